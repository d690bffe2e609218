"""YAML text with a comment beside every number: block-style emission that parses to the data.

PyYAML cannot write comments, so the GitOps renderers build a tree of plain data in which any
value may be wrapped in `Commented`, and `dump` writes it as block YAML with `# ...` at the end
of the value's line. `plain` strips the comments; `yaml.safe_load(dump(tree))` equals
`plain(tree)` for every tree (tests/test_commented_yaml.py checks it over random text).

Safety rules, so that names from the input cannot change what a file parses to:

- a string is written plain only when it is made of `[A-Za-z0-9._/*~-]`, starts with a letter,
  digit, `.`, `_` or `/`, resolves to a string in YAML 1.1 and 1.2 alike (no `yes`, `y`, `null`,
  `1e3`, `0x1F`...) and does not start like a number unless it is a Kubernetes quantity such as
  `250m` or `192Mi`; anything else is double-quoted with every non-printable character (line
  breaks of any kind, `\\x85`, `\\u2028`) escaped;
- comment text has every non-printable character escaped too, so a comment stays on its line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TypeAlias

import yaml

Scalar: TypeAlias = str | int | float | bool | None
Node: TypeAlias = "Scalar | dict[str, Node] | list[Node] | Commented"


@dataclass(frozen=True)
class Commented:
    """A value with a comment: at the end of its line, or of its key's line for a block."""

    value: Node
    comment: str


_PLAIN = re.compile(r"[A-Za-z0-9._/][A-Za-z0-9._/*~-]*")
_NUMBER_LIKE = re.compile(r"[-+.]?[0-9]")
_QUANTITY = re.compile(r"[0-9]+(m|k|Ki|Mi|Gi|Ti)")
# YAML 1.1 booleans and nulls that PyYAML's resolver misses but Go's yaml.v2 (Helm, kubectl) reads
_YAML11_EXTRA = frozenset({"y", "Y", "n", "N"})
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_IMPLICIT_KEY_MAX = 512


def plain(node: Node) -> object:
    """The data of a tree, comments removed."""
    if isinstance(node, Commented):
        return plain(node.value)
    if isinstance(node, dict):
        return {key: plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(value) for value in node]
    return node


def escape(text: str) -> str:
    """`text` with backslashes and every non-printable character written as escapes."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            if code < 0x100:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    return "".join(out)


def scalar(value: Scalar) -> str:
    """One scalar as YAML text that parses back to exactly `value`.

    Raises ValueError for floats that are not finite.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} has no place in a generated file")
        text = repr(value)
        # YAML 1.1 (PyYAML) reads 1e+16 as a string: its floats need a dot
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    if _plain_ok(value):
        return value
    return '"' + escape(value).replace('"', '\\"') + '"'


def _plain_ok(text: str) -> bool:
    if not _PLAIN.fullmatch(text) or text in _YAML11_EXTRA:
        return False
    if _NUMBER_LIKE.match(text) and not _QUANTITY.fullmatch(text):
        return False
    tag: object = _RESOLVER.resolve(  # type: ignore[no-untyped-call]
        yaml.ScalarNode, text, (True, False)
    )
    return tag == _STR_TAG


def comment(text: str) -> str:
    """` # text` with the text kept on one line."""
    return " # " + escape(text) if text else ""


def header(lines: list[str]) -> str:
    """Comment lines opening a file."""
    return "".join(("# " + escape(line)).rstrip() + "\n" for line in lines)


def dump(node: Node) -> str:
    """Block-style YAML for one document, ending in a newline."""
    if isinstance(node, Commented) and isinstance(node.value, dict | list):
        return header([node.comment]) + dump(node.value)
    lines = _block(node, 0)
    return "\n".join(lines) + "\n"


def _unwrap(node: Node) -> tuple[Scalar | dict[str, Node] | list[Node], str]:
    if isinstance(node, Commented):
        inner, note = _unwrap(node.value)
        return inner, "; ".join(n for n in (node.comment, note) if n)
    return node, ""


def _block(node: Node, indent: int) -> list[str]:
    """The lines of a mapping or list at `indent`, or of a lone scalar."""
    node, note = _unwrap(node)
    pad = " " * indent
    if isinstance(node, dict):
        if not node:
            return [pad + "{}" + comment(note)]
        lines: list[str] = []
        for key, value in node.items():
            lines.extend(_entry(_key(key, pad), value, indent, nested=indent + 2))
        return lines
    if isinstance(node, list):
        if not node:
            return [pad + "[]" + comment(note)]
        lines = []
        for value in node:
            lines.extend(_item(value, indent))
        return lines
    return [pad + scalar(node) + comment(note)]


def _key(key: str, pad: str) -> str:
    """`key:`, or for a key too long to be implicit (YAML allows 1024 characters) the explicit
    form `? key` and `:` on the next line."""
    text = scalar(key)
    return pad + text + ":" if len(text) <= _IMPLICIT_KEY_MAX else f"{pad}? {text}\n{pad}:"


def _entry(lead: str, value: Node, indent: int, *, nested: int) -> list[str]:
    """`key: value`, or `key:` and the block under it (lists stay at the key's indent)."""
    inner, note = _unwrap(value)
    if isinstance(inner, dict) and inner:
        return [lead + comment(note), *_block(inner, nested)]
    if isinstance(inner, list) and inner:
        return [lead + comment(note), *_block(inner, indent)]
    return [lead + " " + _block(inner, 0)[0] + comment(note)]


def _item(value: Node, indent: int) -> list[str]:
    """`- value`, or `- key: value` with the rest of the mapping aligned under it."""
    inner, note = _unwrap(value)
    pad = " " * indent
    if isinstance(inner, dict) and inner:
        rest = _block(inner, indent + 2)
        first = pad + "- " + rest[0][indent + 2 :]
        if note:
            return [pad + "-" + comment(note), *rest]
        return [first, *rest[1:]]
    if isinstance(inner, list) and inner:
        return [pad + "-" + comment(note), *_block(inner, indent + 2)]
    return [pad + "- " + _block(inner, 0)[0] + comment(note)]
