"""cpa_sdk.sse: the SSE text executors emit, and events read back out of arbitrarily cut chunks."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import given, settings, strategies as st

from cpa_sdk.sse import SSEDecoder, SSEEvent, format_event, iter_events


def decode_all(*chunks: bytes) -> list[SSEEvent]:
    return list(iter_events(chunks))


def reference_decode(text: bytes) -> list[SSEEvent]:
    """The WHATWG event-stream interpretation, applied to the whole stream at once."""
    events: list[SSEEvent] = []
    data: list[bytes] | None = None
    event, last_id = "", ""
    *lines, _unterminated = re.split(rb"\r\n|\r|\n", text)
    for line in lines:
        if not line:
            if data is not None:
                events.append(SSEEvent(b"\n".join(data), event, last_id))
            data, event = None, ""
            continue
        if line.startswith(b":"):
            continue
        name, _, value = line.partition(b":")
        value = value[1:] if value.startswith(b" ") else value
        if name == b"data":
            data = [*(data or []), value]
        elif name == b"event":
            event = value.decode("utf-8", "replace")
        elif name == b"id" and b"\0" not in value:
            last_id = value.decode("utf-8", "replace")
    return events


def split_at(text: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(text)) for cut in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]


# ---------------------------------------------------------------------------------------------
# format_event


def test_format_event_writes_event_id_and_data_then_the_blank_line() -> None:
    assert format_event(b'{"type":"ping"}', "ping", event_id="7") == (b'event: ping\nid: 7\ndata: {"type":"ping"}\n\n')


def test_format_event_without_a_name_writes_data_only() -> None:
    assert format_event("hello") == b"data: hello\n\n"


def test_multi_line_data_becomes_one_data_line_per_line_whatever_the_line_ends() -> None:
    assert format_event(b"one\ntwo\r\nthree\rfour") == (b"data: one\ndata: two\ndata: three\ndata: four\n\n")


def test_empty_data_and_a_trailing_line_break_survive_as_data_lines() -> None:
    assert format_event(b"") == b"data: \n\n"
    assert format_event(b"end\n") == b"data: end\ndata: \n\n"


def test_str_data_is_sent_as_utf8() -> None:
    assert format_event("héllo", "ünïcode") == "event: ünïcode\ndata: héllo\n\n".encode()


@pytest.mark.parametrize("field", ["event", "event_id"])
@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\r\n"])
def test_a_line_break_in_the_event_name_or_id_is_refused(field: str, bad: str) -> None:
    # it would start a field the caller never wrote ("event: x\ndata: forged")
    with pytest.raises(ValueError, match="line breaks"):
        format_event(b"x", **{field: bad})


# ---------------------------------------------------------------------------------------------
# decoding


def test_a_claude_stream_decodes_into_named_events() -> None:
    stream = (
        b'event: message_start\ndata: {"type":"message_start"}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta"}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )
    events = decode_all(stream)
    assert [e.event for e in events] == ["message_start", "content_block_delta", "message_stop"]
    assert events[0].data == b'{"type":"message_start"}'


def test_data_lines_are_joined_with_newlines() -> None:
    assert decode_all(b"data: a\ndata:b\ndata:  c\n\n") == [SSEEvent(b"a\nb\n c")]


def test_a_line_split_anywhere_across_chunks_is_held_back_until_it_is_complete() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: del") == []
    assert decoder.feed(b"ta\nda") == []
    assert decoder.feed(b'ta: {"a"') == []
    assert decoder.feed(b":1}\n") == []  # the event still lacks its blank line
    assert decoder.feed(b"\n") == [SSEEvent(b'{"a":1}', "delta")]


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_every_line_end_works(end: bytes) -> None:
    stream = b"event: e" + end + b"data: x" + end + b"data: y" + end + end
    assert decode_all(stream) == [SSEEvent(b"x\ny", "e")]


def test_a_crlf_split_between_chunks_is_one_line_end() -> None:
    # \r at the end of one chunk, \n at the start of the next: not an empty line
    assert decode_all(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n") == [SSEEvent(b"a\nb")]


def test_an_empty_chunk_between_cr_and_lf_changes_nothing() -> None:
    assert decode_all(b"data: a\r", b"", b"\ndata: b\r\n\r\n") == [SSEEvent(b"a\nb")]


def test_comments_and_unknown_fields_are_ignored() -> None:
    stream = b": keep-alive\n\ndata: x\n: in the middle\nretry: 100\nfoo: bar\n\n:\n\n"
    assert decode_all(stream) == [SSEEvent(b"x")]


def test_an_event_without_data_is_not_dispatched_and_its_name_does_not_leak() -> None:
    assert decode_all(b"event: lonely\n\ndata: x\n\n") == [SSEEvent(b"x")]


def test_a_data_field_without_colon_or_value_is_an_empty_data_line() -> None:
    assert decode_all(b"data\n\n", b"data:\n\n") == [SSEEvent(b""), SSEEvent(b"")]


def test_the_last_event_id_carries_over_to_later_events_until_changed() -> None:
    stream = b"id: 1\ndata: a\n\ndata: b\n\nid: \ndata: c\n\nid: x\0y\ndata: d\n\n"
    assert [(e.data, e.event_id) for e in decode_all(stream)] == [
        (b"a", "1"),
        (b"b", "1"),
        (b"c", ""),
        (b"d", ""),  # an id with NUL is ignored
    ]


def test_an_event_missing_its_blank_line_at_end_of_stream_is_dropped() -> None:
    assert decode_all(b"data: whole\n\ndata: cut", b" off\n") == [SSEEvent(b"whole")]


def test_close_forgets_a_partial_event() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: e\ndata: partial\n") == []
    decoder.close()
    assert decoder.feed(b"data: next\n\n") == [SSEEvent(b"next")]


def test_iter_events_is_lazy() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"data: first\n\n"
        raise AssertionError("read past the first event")

    assert next(iter_events(chunks())) == SSEEvent(b"first")


def test_iter_events_reads_one_chunk_given_as_bytes() -> None:
    # a stream-chunk Body is one bytes object: it must not be iterated as integers
    body = b"event: ping\ndata: {}\n\nevent: message_stop\ndata: {}\n\n"
    expected = [SSEEvent(b"{}", "ping"), SSEEvent(b"{}", "message_stop")]
    assert list(iter_events(body)) == list(iter_events(bytearray(body))) == expected


# ---------------------------------------------------------------------------------------------
# properties

line_text = st.binary(max_size=12).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
line_end = st.sampled_from([b"\n", b"\r\n", b"\r"])
field_line = st.one_of(
    st.tuples(st.sampled_from([b"data", b"data:", b"data: ", b"event: ", b"id: ", b":", b"retry: "]), line_text).map(
        b"".join
    ),
    st.just(b""),
)
streams = st.lists(st.tuples(field_line, line_end), max_size=20).map(lambda lines: b"".join(a + b for a, b in lines))
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=10)


@settings(max_examples=300)
@given(stream=streams, cuts=st.lists(st.integers(0, 200), max_size=8))
def test_decoding_does_not_depend_on_where_the_chunks_were_cut(stream: bytes, cuts: list[int]) -> None:
    expected = reference_decode(stream)
    assert decode_all(*split_at(stream, cuts)) == expected
    assert decode_all(*(stream[i : i + 1] for i in range(len(stream)))) == expected


@given(
    events=st.lists(st.tuples(st.binary(max_size=30).map(lambda b: b.replace(b"\r", b"")), texts, texts), max_size=6),
    cuts=st.lists(st.integers(0, 400), max_size=6),
)
def test_format_then_decode_gives_the_events_back(events: list[tuple[bytes, str, str]], cuts: list[int]) -> None:
    stream = b"".join(format_event(data, name, event_id=event_id) for data, name, event_id in events)
    decoded = decode_all(*split_at(stream, cuts))
    assert [(e.data, e.event) for e in decoded] == [(data, name) for data, name, _ in events]
    last_id = ""  # an event written without an id keeps the last one (the WHATWG rule)
    for event, (_, _, event_id) in zip(decoded, events):
        last_id = event_id if event_id and "\0" not in event_id else last_id
        assert event.event_id == last_id
