#!/usr/bin/env python3
"""The Action's annotations, read from iamlint's SARIF report (so iamlint runs once).

Usage: sarif-annotations.py SARIF_FILE [--annotate]

Prints one GitHub workflow command per result (`::error file=…,line=…::…`, as `iamlint check --format
github` does) when --annotate is given, and appends `findings=N` and `errors=N` to $GITHUB_OUTPUT (or prints
them when it is not set). Standard library only: runs on any runner with python3.
"""

import json
import os
import re
import sys
from urllib.parse import unquote, urlparse

LEVELS = {"error": "error", "warning": "warning", "note": "notice", "none": "notice"}
# A SARIF embedded link to a related location: `[text](1)` (GitHub renders it; the log shows the text).
RELATED_LINK = re.compile(r"\[([^\]]*)\]\(\d+\)")


def data(text):
    """Escaping of a command's message, as the Actions toolkit does it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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
    message = RELATED_LINK.sub(r"\1", result.get("message", {}).get("text", ""))
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
        for result in run.get("results", []):
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
