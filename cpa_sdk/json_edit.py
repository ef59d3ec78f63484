"""Edit a request or response body in place: set one top-level member, keep every other byte.

Request normalizers usually change one field (``service_tier``, ``model``, a flag) of a body the
client wrote. ``json.loads`` + ``json.dumps`` would also rewrite spacing, key order of nested
objects, escapes and number spellings, which breaks prompt caches upstream and makes diffs of
recorded traffic useless. These functions work on the text instead, the way CPA's own Go code
edits bodies with tidwall/sjson::

    from cpa_sdk.json_edit import set_top_level_string

    def normalize_request(self, request):
        body = set_top_level_string(request.body, "service_tier", "priority")
        return PayloadResponse(body=body if body is not None else request.body)

``top_level_members`` reads the members as raw text, like Go's ``json.RawMessage`` fields, so a
value can be inspected without decoding the rest of the body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Final

__all__ = ["set_top_level_json", "set_top_level_string", "top_level_members"]

_DECODER: Final = json.JSONDecoder()
_WHITESPACE: Final = " \t\n\r"
_WHITESPACE_BYTES: Final = frozenset(_WHITESPACE.encode())


def set_top_level_string(body: bytes | None, key: str, value: str) -> bytes | None:
    """Return ``body`` with top-level ``key`` set to the string ``value``.

    An existing value is replaced where it stands; a new key is appended before the closing
    brace. A body that is empty or a JSON scalar becomes ``{"key":"value"}``, as with sjson.
    Returns ``None`` when the body cannot take a key: an array, or text that is not JSON (sjson
    would write garbage into a body of ``{``; leaving it alone is the sensible answer).
    """
    return set_top_level_json(body, key, _string_json(value))


def set_top_level_json(body: bytes | None, key: str, value_json: str) -> bytes | None:
    """``set_top_level_string`` for any value, given as JSON text (written as it is)."""
    quoted_keys, member = _member(key, value_json)
    body = body or b""
    start = _skip_bytes(body, 0)
    if start == len(body):
        return b"{" + member + b"}"
    first = body[start : start + 1]
    if first == b"[":
        return None
    if first != b"{":
        return b"{" + member + b"}" if _is_json(body) else None
    if not any(quoted in body for quoted in quoted_keys):
        # Fast path, and the common case: the key appears nowhere, so it goes in front of the
        # closing brace. One copy of the body, however large.
        end = len(body)
        while body[end - 1] in _WHITESPACE_BYTES:
            end -= 1
        if body[end - 1] != ord("}"):
            return None
        separator = b"" if _skip_bytes(body, start + 1) == end - 1 else b","
        return b"".join((memoryview(body)[: end - 1], separator, member, b"}"))
    return _set_by_scanning(body, key, member.decode(), value_json)


@lru_cache(maxsize=64)
def _string_json(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=64)
def _member(key: str, value_json: str) -> tuple[tuple[bytes, ...], bytes]:
    """``"key"`` as a body may spell it (escaped, as Python writes it, and raw UTF-8, as Go
    writes it) and ``"key":value``, as bytes: plugins set the same few members on every call."""
    quoted_key = json.dumps(key)
    raw_key = json.dumps(key, ensure_ascii=False)
    spellings = (quoted_key.encode(),) if raw_key == quoted_key else (quoted_key.encode(), raw_key.encode())
    return spellings, (quoted_key + ":" + value_json).encode()


def _skip_bytes(body: bytes, index: int) -> int:
    while index < len(body) and body[index] in _WHITESPACE_BYTES:
        index += 1
    return index


def _set_by_scanning(body: bytes, key: str, member: str, value_json: str) -> bytes | None:
    """The key occurs somewhere: walk the top-level members to find out where."""
    try:
        text = body.decode("utf-8")
        last_end = None
        for name, value_start, value_end in _members(text):
            if name == key:
                return (text[:value_start] + value_json + text[value_end:]).encode()
            last_end = value_end
    except (UnicodeDecodeError, ValueError, IndexError):
        return None
    close = _skip(text, last_end if last_end is not None else _skip(text, 0) + 1)
    return (text[:close] + ("," if last_end is not None else "") + member + "}").encode()


def top_level_members(body: bytes) -> list[tuple[str, bytes]]:
    """The members of a JSON object, each value as the exact bytes it was sent as.

    This is what Go's ``json.RawMessage`` fields see. Raises ``ValueError`` if ``body`` is not
    a JSON object.
    """
    text = body.decode("utf-8")
    if not text.strip().startswith("{"):
        raise ValueError("not a JSON object")
    try:
        return [(name, text[start:end].encode()) for name, start, end in _members(text)]
    except IndexError:
        raise ValueError("unexpected end of JSON object") from None


def _members(text: str) -> Iterator[tuple[str, int, int]]:
    """Each top-level member of the object in ``text``: its name and where its value lies."""
    index = _skip(text, 0) + 1  # past "{"
    first = True
    while True:
        index = _skip(text, index)
        if text[index] == "}":
            return
        if not first:
            if text[index] != ",":
                raise ValueError("expected ','")
            index = _skip(text, index + 1)
        name, index = _DECODER.raw_decode(text, index)
        index = _skip(text, index)
        if not isinstance(name, str) or text[index] != ":":
            raise ValueError("expected a key and ':'")
        value_start = _skip(text, index + 1)
        _, value_end = _DECODER.raw_decode(text, value_start)
        yield name, value_start, value_end
        index = value_end
        first = False


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True
