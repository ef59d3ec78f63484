"""Text the upstream Go examples produce with Go's standard library, reproduced byte for byte.

The examples' HTML pages and bodies are their product, so the ports must write the same bytes:
``encoding/json`` escapes ``<``, ``>`` and ``&`` (Python's ``json`` does not), ``json.Indent``
re-indents without re-encoding anything, ``html.EscapeString`` uses numeric entities where
Python's ``html.escape`` uses ``&#x27;`` and ``&quot;``, and ``strconv.ParseBool`` accepts its own
list of spellings. Requests the examples decode themselves get Go's ``json.Unmarshal``
rules and error texts, which the pages show.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, Literal

from cpa_sdk.json_edit import top_level_members

__all__ = [
    "GoType",
    "html_escape",
    "json_indent",
    "marshal",
    "marshal_indent",
    "parse_bool",
    "quote",
    "syntax_error",
    "unmarshal_struct",
]

# What encoding/json escapes beyond Python's json module: HTML-significant characters and the
# two JavaScript line terminators. None of them can occur outside a string in JSON text, so the
# replacement is safe on the whole document.
_GO_ESCAPES: Final = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def _go_escaped(text: str) -> str:
    for char, escape in _GO_ESCAPES:
        if char in text:
            text = text.replace(char, escape)
    return text


def marshal(value: Any) -> bytes:
    """``json.Marshal(value)`` for plain values: compact, HTML-escaped, dict order as given.

    Go sorts map keys; pass dicts that stand for Go maps already sorted.
    """
    return _go_escaped(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)).encode()


def marshal_indent(value: Any) -> str:
    """``json.MarshalIndent(value, "", "  ")``."""
    return _go_escaped(json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False))


def json_indent(src: bytes) -> bytes | None:
    """``json.Indent(dst, src, "", "  ")``, or ``None`` where Go reports an error.

    Tokens are copied as they are (escapes, number spelling, duplicate keys); only whitespace
    between tokens changes. Leading whitespace is dropped and trailing whitespace kept, as in Go.
    """
    try:
        json.loads(src, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        return None
    out = bytearray()
    depth = 0
    need_indent = False  # set after "{" or "[": an empty container stays "{}" or "[]"
    started = in_string = escaped = False
    for byte in src:
        char = chr(byte)
        if in_string:
            out.append(byte)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char in " \t\r\n":
            if depth == 0 and started and not need_indent:
                out.append(byte)  # trailing whitespace after the top-level value
            continue
        started = True
        if need_indent and char not in "}]":
            need_indent = False
            depth += 1
            out += b"\n" + b"  " * depth
        if char in "{[":
            need_indent = True
            out.append(byte)
        elif char == ",":
            out += b",\n" + b"  " * depth
        elif char == ":":
            out += b": "
        elif char in "}]":
            if need_indent:
                need_indent = False
            else:
                depth -= 1
                out += b"\n" + b"  " * depth
            out.append(byte)
        else:
            in_string = char == '"'
            out.append(byte)
    return bytes(out)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def html_escape(text: str) -> str:
    """``html.EscapeString``: ``& ' < > "`` become ``&amp; &#39; &lt; &gt; &#34;``."""
    return (
        text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    )


_QUOTE_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def quote(text: str) -> str:
    """``strconv.Quote`` (the ``%q`` verb) for text: Go-style escapes, printable runes kept."""
    parts = []
    for char in text:
        if char in _QUOTE_ESCAPES:
            parts.append(_QUOTE_ESCAPES[char])
        elif char.isprintable() or char == " ":
            parts.append(char)
        elif ord(char) < 0x80:
            parts.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(f"\\U{ord(char):08x}")
    return '"' + "".join(parts) + '"'


_TRUE: Final = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE: Final = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def parse_bool(text: str) -> bool:
    """``strconv.ParseBool``; raises ``ValueError`` with Go's message for anything else."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"strconv.ParseBool: parsing {quote(text)}: invalid syntax")


# -- encoding/json syntax errors ------------------------------------------------------------------
#
# Go's decoder checks the whole input with its scanner before decoding anything, and the upstream
# pages show the scanner's message. This is that scanner, reduced to what decides the message.

_SPACE: Final = b" \t\r\n"
_DIGITS: Final = b"0123456789"
_LITERALS: Final = {ord("t"): "true", ord("f"): "false", ord("n"): "null"}


class _SyntaxError(Exception):
    pass


def _fail(byte: int, context: str) -> _SyntaxError:
    if byte == ord("'"):
        shown = "'\\''"
    elif byte == ord('"'):
        shown = "'\"'"
    else:
        shown = "'" + quote(chr(byte))[1:-1] + "'"
    return _SyntaxError(f"invalid character {shown} {context}")


def syntax_error(data: bytes) -> str | None:
    """The message of Go's ``json.Unmarshal`` for text that is not one JSON value, else ``None``."""
    try:
        end = _value(data, _skip_space(data, 0))
        end = _skip_space(data, end)
        if end < len(data):
            raise _fail(data[end], "after top-level value")
    except _SyntaxError as exc:
        return str(exc)
    except IndexError:
        return "unexpected end of JSON input"
    return None


def _skip_space(data: bytes, index: int) -> int:
    while index < len(data) and data[index] in _SPACE:
        index += 1
    return index


def _value(data: bytes, i: int) -> int:
    """Scan one value starting at ``data[i]``; return the index after it."""
    c = data[i]
    if c == ord("{"):
        return _container(data, i + 1, b"}", key=True)
    if c == ord("["):
        return _container(data, i + 1, b"]", key=False)
    if c == ord('"'):
        return _string(data, i + 1)
    if c == ord("-") or c in _DIGITS:
        return _number(data, i)
    if c in _LITERALS:
        word = _LITERALS[c]
        for expected in word[1:]:
            i += 1
            if data[i] != ord(expected):
                raise _fail(data[i], f"in literal {word} (expecting {quote(expected)[1:-1]!r})")
        return i + 1
    raise _fail(c, "looking for beginning of value")


def _container(data: bytes, i: int, close: bytes, *, key: bool) -> int:
    i = _skip_space(data, i)
    if data[i] == close[0]:
        return i + 1
    while True:
        if key:
            if data[i] != ord('"'):
                raise _fail(data[i], "looking for beginning of object key string")
            i = _skip_space(data, _string(data, i + 1))
            if data[i] != ord(":"):
                raise _fail(data[i], "after object key")
            i = _skip_space(data, i + 1)
        i = _skip_space(data, _value(data, i))
        if data[i] == close[0]:
            return i + 1
        if data[i] != ord(","):
            raise _fail(data[i], "after object key:value pair" if key else "after array element")
        i = _skip_space(data, i + 1)


def _string(data: bytes, i: int) -> int:
    while True:
        c = data[i]
        if c == ord('"'):
            return i + 1
        if c < 0x20:
            raise _fail(c, "in string literal")
        if c == ord("\\"):
            i += 1
            if data[i] == ord("u"):
                for _ in range(4):
                    i += 1
                    if chr(data[i]) not in "0123456789abcdefABCDEF":
                        raise _fail(data[i], "in \\u hexadecimal character escape")
            elif data[i] not in b'bfnrt\\/"':
                raise _fail(data[i], "in string escape code")
        i += 1


def _number(data: bytes, i: int) -> int:
    if data[i] == ord("-"):
        i += 1
        if data[i] not in _DIGITS:
            raise _fail(data[i], "in numeric literal")
    if data[i] == ord("0"):
        i += 1
    else:
        while i < len(data) and data[i] in _DIGITS:
            i += 1
    if i < len(data) and data[i] == ord("."):
        i += 1
        if data[i] not in _DIGITS:
            raise _fail(data[i], "after decimal point in numeric literal")
        while i < len(data) and data[i] in _DIGITS:
            i += 1
    if i < len(data) and data[i] in b"eE":
        i += 1
        if data[i] in b"+-":
            i += 1
        if data[i] not in _DIGITS:
            raise _fail(data[i], "in exponent of numeric literal")
        while i < len(data) and data[i] in _DIGITS:
            i += 1
    return i


# -- json.Unmarshal into a plain Go struct ---------------------------------------------------------

GoType = Literal["string", "bool", "json.RawMessage", "map[string][]string"]


def unmarshal_struct(data: bytes, struct: str, fields: Mapping[str, GoType]) -> dict[str, Any]:
    """``json.Unmarshal(data, &v)`` for a struct of ``fields`` (JSON name -> Go type).

    Returns the members that were set, by field name: ``str``, ``bool``, the raw bytes of a
    ``json.RawMessage``, or a header map. As in Go, names match exactly or else
    case-insensitively, unknown keys and ``null`` values leave fields alone, the last duplicate
    wins, and the first type error is reported once every member is read. Raises
    ``ValueError`` with Go's message.
    """
    syntax = syntax_error(data)
    if syntax is not None:
        raise ValueError(syntax)
    text = data.decode("utf-8", errors="replace").lstrip(" \t\r\n")
    if not text.startswith("{"):
        kind = _kind(json.loads(data))
        raise ValueError(f"json: cannot unmarshal {kind} into Go value of type main.{struct}")
    folded = {name.lower(): name for name in fields}
    values: dict[str, Any] = {}
    type_error = ""
    for key, raw in top_level_members(data):
        name = key if key in fields else folded.get(key.lower())
        if name is None:
            continue
        go_type = fields[name]
        if go_type == "json.RawMessage":
            values[name] = raw
            continue
        value = json.loads(raw)
        if value is None:
            continue
        if _fits(value, go_type):
            values[name] = value
        elif not type_error:
            type_error = f"json: cannot unmarshal {_kind(value)} into Go struct field {struct}.{name} of type {go_type}"
    if type_error:
        raise ValueError(type_error)
    return values


def _fits(value: Any, go_type: GoType) -> bool:
    if go_type == "string":
        return isinstance(value, str)
    if go_type == "bool":
        return isinstance(value, bool)
    return isinstance(value, dict) and all(
        isinstance(items, list) and all(isinstance(item, str) for item in items) for items in value.values()
    )


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"
