"""YAML with comments parses to exactly the data it was built from, whatever text it holds."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.gitops.commented_yaml import Commented, Node, dump, header, plain, scalar

# Any text a name could hold: every code point but surrogates, which no UTF-8 file can carry
# (the escaping writes them as \ud800, which reads back, but they cannot reach a renderer from
# a UTF-8 input). Biased towards the characters that mean something to YAML.
TEXT = st.text(
    st.one_of(
        st.sampled_from(
            list(":#-?&*!|>'\"%@`{}[],~ \t\n\r\x85\u2028\u2029\ufeff=<.0123456789eExyn")
        ),
        st.characters(exclude_categories=["Cs"]),
    ),
    max_size=12,
)
SCALARS = st.one_of(
    TEXT,
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


def trees() -> st.SearchStrategy[Node]:
    def commented(node: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        return st.one_of(node, st.builds(Commented, node, TEXT))

    return st.recursive(
        commented(SCALARS),
        lambda children: commented(
            st.one_of(
                st.lists(children, max_size=4),
                st.dictionaries(TEXT, children, max_size=4),
            )
        ),
        max_leaves=20,
    )


@settings(max_examples=400, deadline=None)
@given(trees(), st.lists(TEXT, max_size=3))
def test_a_tree_parses_back_to_its_data(tree: Node, lines: list[str]) -> None:
    text = header(lines) + dump(tree)
    assert yaml.safe_load(text) == plain(tree)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_no_text_leaves_its_line(text: str) -> None:
    document = dump({"key": Commented(text, text)})
    assert document.count("\n") == 1
    assert yaml.safe_load(document) == {"key": text}


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("250m", "250m"),
        ("192Mi", "192Mi"),
        ("2000m", "2000m"),
        ("catalog", "catalog"),
        ("./*", "./*"),
        ("yes", '"yes"'),
        ("y", '"y"'),
        ("null", '"null"'),
        ("1.24", '"1.24"'),
        ("1e3", '"1e3"'),
        ("0x1F", '"0x1F"'),
        ("2026-01-01", '"2026-01-01"'),
        ("a: b", '"a: b"'),
        ("=cmd", '"=cmd"'),
        ("#x", '"#x"'),
        ("<script>", '"<script>"'),
        ("a\u2028b", '"a\\u2028b"'),
        ("line\nbreak", '"line\\x0abreak"'),
        (1e16, "1.0e+16"),
        (True, "true"),
        (None, "null"),
    ],
)
def test_scalars_are_quoted_unless_every_parser_reads_them_as_strings(
    value: str | float | bool | None, written: str
) -> None:
    assert scalar(value) == written


def test_floats_that_are_not_finite_are_refused() -> None:
    with pytest.raises(ValueError, match="no place"):
        scalar(float("nan"))


def test_comments_sit_at_the_end_of_their_line() -> None:
    tree: Node = {
        "resources": Commented(
            {"requests": {"cpu": Commented("250m", "model 200m, headroom 0.25")}}, "per pod"
        ),
        "hosts": [Commented({"name": "a"}, "first"), "b"],
    }
    assert dump(tree) == (
        "resources: # per pod\n"
        "  requests:\n"
        "    cpu: 250m # model 200m, headroom 0.25\n"
        "hosts:\n"
        "- # first\n"
        "  name: a\n"
        "- b\n"
    )


@pytest.mark.parametrize("length", [10, 600, 5000])
def test_keys_longer_than_yaml_allows_implicitly_are_written_explicitly(length: int) -> None:
    data: dict[str, Node] = {
        "a" * length: 1,
        "b: " * length: {"x": [1, {"y": 2}]},
        "c" * length: [1, 2],
    }
    tree: Node = {"top": Commented(data, "c"), "list": [data]}
    assert yaml.safe_load(dump(tree)) == plain(tree)
