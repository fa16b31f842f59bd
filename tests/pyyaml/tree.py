#!/usr/bin/env python3
"""What PyYAML's safe loader reads from each file, as canonical JSON (one line per file).

The reference of tests/pyyaml_diff.rs. The loader is PyYAML's pure-Python `SafeLoader` (what SAM CLI's
`yaml_parse` and cfn-lint build on), with CloudFormation's short-form tags registered as one
multi-constructor for `!` that accepts a scalar, a sequence or a mapping, as SAM CLI's
`intrinsics_multi_constructor` does: `!Ref x` -> `{"Ref": "x"}`, `!Condition c` -> `{"Condition": "c"}`,
`!Sub s` -> `{"Fn::Sub": "s"}` (every other `!Name` -> `Fn::Name`), `!GetAtt A.B` -> `{"Fn::GetAtt": ["A", "B"]}`
(split at the first dot; iamlint keeps a dotless value a scalar, so that TPL002 can point at it; the tree
here does the same).

Canonical form (iamlint's side is `iamlint::load::canonical_tree`):
- a mapping is a JSON object; each key is the key's text as written (a plain `200:` is `"200"`), while
  which keys are duplicates and which value wins is PyYAML's own decision (typed keys, last one wins,
  `<<` merges applied);
- a sequence is a JSON array;
- null, true and false as PyYAML types them (YAML 1.1: `yes`, `Off`, `~`, ...);
- a string is `"s:<text>"`; any other typed scalar (int, float, timestamp, binary) is `"n:<text as written>"`.

A file whose text starts with `{` or `[` is first tried with `json.loads`, as SAM CLI's `yaml_parse` does
(and as iamlint reads such files); PyYAML reads it only when that fails.

Each output line is `{"file": path, "tree": ...}`, `{"file": path, "error": {"line": n, "message": m}}`
(lines are 1-based; 0 when PyYAML gives no position), or `{"file": path, "limit": why}` when the document
is valid but past iamlint's resource limits (alias expansion, nesting) and so not compared. File paths are read from the command line, or one per line from stdin with `-`.
`--libyaml` uses PyYAML's C loader (`CSafeLoader`) instead, for comparison.
"""

import json
import sys

import yaml

PURE = "--libyaml" not in sys.argv


def base_loader():
    return yaml.SafeLoader if PURE else yaml.CSafeLoader


class Tagged:
    """A short-form tag's value, kept apart from plain scalars until canonicalised."""

    def __init__(self, name, value):
        self.name = name
        self.value = value


def make_loader():
    class Loader(base_loader()):
        pass

    def short_form(loader, suffix, node):
        name = suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix
        if isinstance(node, yaml.ScalarNode):
            text = loader.construct_scalar(node)
            if name == "Fn::GetAtt" and "." in text:
                return {name: [("s", part) for part in text.split(".", 1)]}
            return {name: ("s", text)}
        if isinstance(node, yaml.SequenceNode):
            return {name: loader.construct_sequence(node, deep=True)}
        return {name: loader.construct_mapping(node, deep=True)}

    def construct_mapping(loader, node, deep=False):
        # PyYAML's SafeConstructor.construct_mapping (merge keys, typed keys, last one wins), except that
        # the result keeps each winning key's text as written.
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, "expected a mapping node, but found %s" % node.id, node.start_mark
            )
        loader.flatten_mapping(node)
        typed = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, tuple):  # ("s", text) or ("n", text, typed value): PyYAML's key is the value
                key = key[-1]
            try:
                hash(key)
            except TypeError as exc:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found unhashable key (%s)" % exc,
                    key_node.start_mark,
                )
            value = loader.construct_object(value_node, deep=deep)
            text = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key)
            typed.pop(key, None)  # last one wins, and its place is the last one's
            typed[key] = (text, value)
        return {"__map__": list(typed.values())}

    def construct_scalar_typed(tag_constructor):
        def construct(loader, node):
            return ("n", node.value, tag_constructor(loader, node))

        return construct

    def construct_str(loader, node):
        return ("s", loader.construct_scalar(node))

    Loader.add_multi_constructor("!", short_form)
    Loader.add_constructor("tag:yaml.org,2002:map", lambda l, n: construct_mapping(l, n, deep=True))
    Loader.add_constructor("tag:yaml.org,2002:str", construct_str)
    for kind in ("int", "float", "timestamp", "binary"):
        original = base_loader().yaml_constructors["tag:yaml.org,2002:" + kind]
        Loader.add_constructor("tag:yaml.org,2002:" + kind, construct_scalar_typed(original))
    Loader.construct_mapping = construct_mapping
    return Loader


LOADER = make_loader()

# iamlint's MAX_NODES: past it, a document (aliases expanded) is a resource-limit error on both sides.
MAX_NODES = 2_000_000
# iamlint's MAX_ALIAS_BYTES: text copied by aliases past it is a resource-limit error too (counted
# here as the text of the whole expanded document, which is at least what iamlint counts).
MAX_ALIAS_BYTES = 64 * 1024 * 1024


class TooLarge(Exception):
    pass


class Budget:
    """Nodes left before the document is too large; an alias's node is counted at every use."""

    def __init__(self):
        self.left = MAX_NODES
        self.sizes = {}  # id of a shared (aliased) collection -> its size
        self.texts = {}  # id of a collection -> the bytes of its text, aliases expanded

    def take(self, count):
        self.left -= count
        if self.left < 0:
            raise TooLarge()


def size_of(value, budget):
    """Nodes in `value`, aliases expanded (each shared collection measured once)."""
    if not isinstance(value, (list, dict)):
        return 1
    known = budget.sizes.get(id(value))
    if known is None:
        items = value["__map__"] if isinstance(value, dict) and "__map__" in value else None
        if items is not None:
            children = [item for _, item in items]
        elif isinstance(value, dict):
            children = list(value.values())
        else:
            children = value
        known = 1 + sum(size_of(child, budget) for child in children)
        budget.sizes[id(value)] = known
        if known > MAX_NODES:
            raise TooLarge()
    return known


def text_of(value, budget):
    """Bytes of the keys and scalars in `value`, aliases expanded (each collection measured once)."""
    if isinstance(value, tuple):
        return len(value[1].encode())
    if isinstance(value, str):
        return len(value.encode())
    if not isinstance(value, (list, dict)):
        return len(str(value))
    known = budget.texts.get(id(value))
    if known is None:
        if isinstance(value, dict) and "__map__" in value:
            known = sum(len(k.encode()) + text_of(item, budget) for k, item in value["__map__"])
        elif isinstance(value, dict):
            known = sum(len(k.encode()) + text_of(item, budget) for k, item in value.items())
        else:
            known = sum(text_of(item, budget) for item in value)
        budget.texts[id(value)] = known
    return known


def canonical(value, budget=None):
    if budget is not None:
        budget.take(size_of(value, budget))
        if text_of(value, budget) > MAX_ALIAS_BYTES:
            raise TooLarge()
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, tuple):
        return value[0] + ":" + value[1]
    if isinstance(value, str):  # a JSON string
        return "s:" + value
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, dict) and "__map__" in value:
        return {text: canonical(item) for text, item in value["__map__"]}
    if isinstance(value, dict):  # a short-form tag
        return {name: canonical(item) for name, item in value.items()}
    # !!set, !!omap, !!pairs: not template shapes; shown as Python sees them.
    return "other:" + repr(value)


def line_of_position(data, position, is_bytes):
    text = data[:position]
    newline = b"\n" if is_bytes else "\n"
    return text.count(newline) + 1


def json_pairs(pairs):
    kept = {}
    for key, value in pairs:
        kept.pop(key, None)
        kept[key] = (key, value)
    return {"__map__": list(kept.values())}


def read_json(data):
    """The JSON reading of `data`, or None when it is not JSON."""
    try:
        text = data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        return None
    if not text.lstrip().startswith(("{", "[")):
        return None
    number = lambda text: ("n", text)  # noqa: E731
    try:
        return json.loads(
            text,
            object_pairs_hook=json_pairs,
            parse_int=number,
            parse_float=number,
            parse_constant=number,
        )
    except ValueError:
        return None


def load_one(path):
    with open(path, "rb") as handle:
        data = handle.read()
    as_json = read_json(data)
    if as_json is not None:
        return {"tree": canonical(as_json, Budget())}
    try:
        return {"tree": canonical(yaml.load(data, Loader=LOADER), Budget())}
    except TooLarge:
        return {"limit": "more than %d nodes once aliases are expanded" % MAX_NODES}
    except RecursionError:
        return {"limit": "nesting past Python's recursion limit"}
    except yaml.reader.ReaderError as error:
        # A bad byte (position in bytes) or a non-printable character (position in characters).
        if isinstance(error.character, int):
            line = line_of_position(data, error.position, True)
        else:
            text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
            line = line_of_position(text, error.position, False)
        return {"error": {"line": line, "message": str(error).splitlines()[0]}}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(str(error).split("\n"))
        return {"error": {"line": mark.line + 1 if mark else 1, "message": message}}
    except (ValueError, TypeError) as error:  # e.g. `!!int x`
        return {"error": {"line": 0, "message": "%s: %s" % (type(error).__name__, error)}}


def main():
    args = [a for a in sys.argv[1:] if a != "--libyaml"]
    paths = [line.rstrip("\n") for line in sys.stdin] if args == ["-"] else args
    # Enough for the 256 levels iamlint reads (each level is a few Python frames).
    sys.setrecursionlimit(4000)
    out = sys.stdout
    for path in paths:
        if not path:
            continue
        result = load_one(path)
        result["file"] = path
        out.write(json.dumps(result, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
