#!/usr/bin/env python3
"""The Action's annotations, read from iamlint's SARIF report (so iamlint runs once).

Usage: sarif-annotations.py SARIF_FILE [--annotate]

Prints one GitHub workflow command per result (`::error file=…,line=…::…`, as `iamlint check --format
github` does) when --annotate is given, and appends `findings=N` and `errors=N` to $GITHUB_OUTPUT (or prints
them when it is not set). Suppressed results (a config or a comment in the templates silenced them) are not
annotated or counted; the run's configuration notification (the config files used, how many findings they
silenced) is printed as one `::notice` line, so a pull request that turns a rule off in its own
`.iamlint.yaml` says so in the log, and each template discovery skipped (a tool execution notification) is
one `::notice` line too. Text from the report is escaped as iamlint's sanitiser does
(src/sanitize.rs): no control character, no `##[`, no line break. Standard library only: runs on any runner
with python3.
"""

import json
import os
import re
import sys
from urllib.parse import unquote, urlparse

LEVELS = {"error": "error", "warning": "warning", "note": "notice", "none": "notice"}
# SARIF message text (§3.11.6): `\\[`, `\\]` and `\\\\` are escaped characters (iamlint escapes every bracket
# that comes from the templates); an unescaped `[text](1)` is an embedded link to a related location
# (GitHub renders it; the log shows the text).
MESSAGE_TOKEN = re.compile(r"\\([\[\]\\])|\[((?:\\.|[^\]\\])*)\]\(\d+\)")
ESCAPE = re.compile(r"\\([\[\]\\])")


def plain(text):
    """The text a SARIF message shows: escapes undone, embedded links replaced by their text."""
    def token(match):
        if match.group(1) is not None:
            return match.group(1)
        return ESCAPE.sub(r"\1", match.group(2))
    return MESSAGE_TOKEN.sub(token, text)


# What iamlint's sanitiser shows escaped (src/sanitize.rs `is_unsafe_char`), and the carriage return.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\r]"
)


def safe(text):
    """One line for the log: controls as `\\u{1b}`, `##[` broken (the runner's legacy commands)."""
    text = UNSAFE.sub(lambda m: "\\u{%x}" % ord(m.group(0)), text)
    return text.replace("##[", "#\\u{23}[")


def data(text):
    """Escaping of a command's message, as the Actions toolkit does it, then made safe."""
    return safe(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def prop(text):
    """Escaping of a command property (also `:` and `,`)."""
    return data(text).replace(":", "%3A").replace(",", "%2C")


def file_of(location, bases):
    """The workspace-relative path of a SARIF physical location (URIs are percent-encoded)."""
    artifact = location.get("physicalLocation", {}).get("artifactLocation", {})
    uri = artifact.get("uri", "")
    base = bases.get(artifact.get("uriBaseId", ""), {}).get("uri", "")
    if base and not urlparse(uri).scheme:
        uri = base.rstrip("/") + "/" + uri
    parsed = urlparse(uri)
    path = unquote(parsed.path) if parsed.scheme == "file" else unquote(uri)
    if os.path.isabs(path):
        relative = os.path.relpath(path, os.getcwd())
        if not relative.startswith(".."):
            return relative
    return path


def rule_title(result, rules):
    """`CODE name` of the result's rule (as `--format github` titles it)."""
    code = result.get("ruleId", "iamlint")
    index = result.get("ruleIndex")
    if isinstance(index, int) and 0 <= index < len(rules):
        name = rules[index].get("name")
        if name and name != code:
            return f"{code} {name}"
    return code


def command(result, rules, bases):
    """One workflow command for a result."""
    level = LEVELS.get(result.get("level", "warning"), "warning")
    message = plain(result.get("message", {}).get("text", ""))
    fields = []
    locations = result.get("locations") or [{}]
    region = locations[0].get("physicalLocation", {}).get("region", {})
    path = file_of(locations[0], bases)
    if path:
        fields.append(f"file={prop(path)}")
    for key, sarif_key in (("line", "startLine"), ("col", "startColumn"),
                           ("endLine", "endLine"), ("endColumn", "endColumn")):
        if isinstance(region.get(sarif_key), int):
            fields.append(f"{key}={region[sarif_key]}")
    fields.append(f"title={prop(rule_title(result, rules))}")
    return f"::{level} {','.join(fields)}::{data(message)}"


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        report = json.load(handle)
    findings = errors = 0
    for run in report.get("runs", []):
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        bases = run.get("originalUriBaseIds", {})
        for invocation in run.get("invocations", []):
            for notification in invocation.get("toolConfigurationNotifications", []):
                text = notification.get("message", {}).get("text", "")
                if text and "--annotate" in argv[2:]:
                    print(f"::notice title=iamlint configuration::{data(plain(text))}")
            # Templates discovery did not read (a config's exclude, an ignore rule, a link).
            for notification in invocation.get("toolExecutionNotifications", []):
                text = notification.get("message", {}).get("text", "")
                if text and "--annotate" in argv[2:]:
                    print(f"::notice title=iamlint discovery::{data(plain(text))}")
        for result in run.get("results", []):
            if result.get("suppressions"):
                continue
            findings += 1
            errors += result.get("level", "warning") == "error"
            if "--annotate" in argv[2:]:
                print(command(result, rules, bases))
    outputs = f"findings={findings}\nerrors={errors}\n"
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(outputs)
    else:
        sys.stdout.write(outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
