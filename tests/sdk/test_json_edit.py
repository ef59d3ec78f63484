"""cpa_sdk.json_edit: one top-level member set, every other byte of the client's body kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, strategies as st

from cpa_sdk.json_edit import set_top_level_json, set_top_level_string, top_level_members

# spacing, nested key order, escapes and number spellings a json round trip would rewrite
CLIENT_BODY = b'{ "model" : "gpt-5.5",\n  "input": [{"z": 1, "a": "\\u00e9\\n"}], "temperature": 1.0e0 }\n'


def test_an_existing_value_is_replaced_where_it_stands_and_nothing_else_changes() -> None:
    assert set_top_level_string(CLIENT_BODY, "model", "gpt-5.4") == CLIENT_BODY.replace(b'"gpt-5.5"', b'"gpt-5.4"')


def test_a_new_key_goes_before_the_closing_brace() -> None:
    assert set_top_level_string(CLIENT_BODY, "service_tier", "priority") == (
        CLIENT_BODY.rstrip()[:-1] + b',"service_tier":"priority"}'
    )


def test_a_value_of_another_type_is_replaced_whole() -> None:
    body = b'{"a":{"deep":[1,{"b":2}]},"c":3}'
    assert set_top_level_string(body, "a", "flat") == b'{"a":"flat","c":3}'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{}", b'{"k":"v"}'),
        (b"{ \n }", b'{ \n "k":"v"}'),
        (b'{"a":1}\n\n', b'{"a":1,"k":"v"}'),
    ],
)
def test_empty_objects_and_trailing_whitespace(body: bytes, expected: bytes) -> None:
    assert set_top_level_string(body, "k", "v") == expected


def test_the_key_nested_or_inside_a_string_is_not_the_top_level_member() -> None:
    body = b'{"meta":{"k":"nested"},"text":"say \\"k\\": x","list":[{"k":1}]}'
    result = set_top_level_string(body, "k", "top")
    assert result == body[:-1] + b',"k":"top"}'
    assert json.loads(result or b"")["meta"] == {"k": "nested"}


@pytest.mark.parametrize(
    "body",
    [
        '{"é":1,"x":2}'.encode(),  # raw UTF-8, as Go and JavaScript clients write it
        b'{"\\u00e9":1,"x":2}',  # escaped, as Python's json.dumps writes it
    ],
)
def test_a_non_ascii_key_is_found_however_the_body_spells_it(body: bytes) -> None:
    result = set_top_level_string(body, "é", "v")
    assert result is not None
    assert [name for name, _ in top_level_members(result)] == ["é", "x"]
    assert json.loads(result) == {"é": "v", "x": 2}


def test_string_values_are_escaped_as_json_and_keep_non_ascii_as_utf8() -> None:
    result = set_top_level_string(b"{}", "k", 'say "hi"\nnaïve')
    assert result == '{"k":"say \\"hi\\"\\nnaïve"}'.encode()


def test_set_top_level_json_writes_the_value_text_as_given() -> None:
    body = b'{"stream":true,"n":1}'
    assert set_top_level_json(body, "stream", "false") == b'{"stream":false,"n":1}'
    assert set_top_level_json(body, "extra", '{"b": [1, 2.50]}') == b'{"stream":true,"n":1,"extra":{"b": [1, 2.50]}}'


@pytest.mark.parametrize("body", [None, b"", b"  \n", b"null", b"42", b'"text"', b"true"])
def test_an_empty_body_or_a_scalar_becomes_an_object_with_the_key(body: bytes | None) -> None:
    assert set_top_level_string(body, "k", "v") == b'{"k":"v"}'


@pytest.mark.parametrize(
    "body",
    [b"[1,2]", b' [{"k":1}]', b"{", b"not json", b'{"a":1} {', b'{"k"}', b'{"k":"\xff"}'],
)
def test_a_body_that_cannot_take_a_key_is_left_alone(body: bytes) -> None:
    assert set_top_level_string(body, "k", "v") is None


def test_top_level_members_are_the_exact_bytes_of_each_value() -> None:
    assert top_level_members(CLIENT_BODY) == [
        ("model", b'"gpt-5.5"'),
        ("input", b'[{"z": 1, "a": "\\u00e9\\n"}]'),
        ("temperature", b"1.0e0"),
    ]
    assert top_level_members(b"{ }") == []


@pytest.mark.parametrize("body", [b"[]", b'"x"', b'{"a":1', b'{"a" 1}', b'{"a":1 "b":2}', b"\xff"])
def test_top_level_members_refuses_what_is_not_an_object(body: bytes) -> None:
    with pytest.raises(ValueError):
        top_level_members(body)


# ---------------------------------------------------------------------------------------------
# properties: any object, spelled any way a client might

KEYS = st.one_of(st.sampled_from(["k", "model", "é", 'q"uote', "😀"]), st.text(max_size=6))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=10,
)
OBJECTS = st.dictionaries(KEYS, JSON_VALUES, max_size=5)
STYLES = st.fixed_dictionaries(
    {
        "ensure_ascii": st.booleans(),
        "indent": st.sampled_from([None, 0, 2]),
        "separators": st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]),
    }
)


def spell(obj: dict[str, Any], style: dict[str, Any]) -> bytes:
    return json.dumps(obj, **style).encode()


@given(obj=OBJECTS, style=STYLES, key=KEYS, value=st.text(max_size=8))
def test_setting_a_member_changes_that_member_only(
    obj: dict[str, Any], style: dict[str, Any], key: str, value: str
) -> None:
    body = spell(obj, style)
    result = set_top_level_string(body, key, value)
    assert result is not None
    assert json.loads(result) == {**obj, key: value}
    before = top_level_members(body)
    after = top_level_members(result)
    expected_names = [name for name, _ in before] + ([] if key in obj else [key])
    assert [name for name, _ in after] == expected_names  # order kept, no duplicate
    assert [m for m in after if m[0] != key] == [m for m in before if m[0] != key]  # bytes kept
    if key not in obj:
        assert result.startswith(body.rstrip()[:-1])


@given(obj=OBJECTS, style=STYLES)
def test_top_level_members_agree_with_json(obj: dict[str, Any], style: dict[str, Any]) -> None:
    members = top_level_members(spell(obj, style))
    assert [name for name, _ in members] == list(obj)
    assert {name: json.loads(raw) for name, raw in members} == obj
