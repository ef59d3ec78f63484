"""What an operator reads in CPA's log when plugin code raises: where, and the plugin's frames."""

from __future__ import annotations

from cpa_sdk.failure_log import MAX_FRAMES, failure_message
from cpa_sdk.json_edit import top_level_members
from tests.source_lines import line_of


def _recurse(depth: int) -> None:
    if depth == 0:
        raise KeyError("missing")
    _descend(depth - 1)


def _descend(depth: int) -> None:
    _recurse(depth)  # two functions, so that no frame repeats the one before it


def _raised(function: object, *args: object) -> BaseException:
    try:
        function(*args)  # type: ignore[operator]
    except BaseException as exc:  # noqa: BLE001
        return exc
    raise AssertionError("did not raise")


def test_headline_names_the_innermost_plugin_frame() -> None:
    exc = _raised(_recurse, 0)
    headline, title, *frames = failure_message("usage.handle failed", exc).split("\n")
    line = line_of(_recurse, "raise KeyError")
    assert headline == f"usage.handle failed: KeyError: 'missing' at test_failure_log.py:{line} in _recurse"
    assert title == "Traceback (most recent call last):"
    assert frames[-1].strip() == 'raise KeyError("missing")'


def test_deep_stacks_show_the_innermost_frames_and_count_the_rest() -> None:
    exc = _raised(_recurse, 20)
    _, _, elided, *frames = failure_message("x", exc).split("\n")
    assert elided == f"  ... {42 - MAX_FRAMES} outer frames"  # _raised, then 21 _recurse and 20 _descend
    assert sum(frame.lstrip().startswith("File ") for frame in frames) == MAX_FRAMES


def test_a_failure_inside_the_sdk_keeps_the_plugin_call_site_as_location() -> None:
    exc = _raised(top_level_members, b"not json")
    message = failure_message("request.normalize failed", exc)
    assert " at test_failure_log.py:" in message.split("\n")[0] and "in _raised" in message.split("\n")[0]
    assert "json_edit.py" not in message


def test_an_exception_without_traceback_is_one_line() -> None:
    assert failure_message("on_shutdown failed", ValueError("bad")) == "on_shutdown failed: ValueError: bad"
