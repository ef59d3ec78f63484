"""scheduler.pick candidates decode lazily: a candidate's maps are validated when read, an invalid
candidate fails only when touched, and a lazily decoded candidate is the model it stands for."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from pydantic import BaseModel

from cpa_sdk import Dispatcher, Plugin, Scheduler
from cpa_sdk.wire import (
    SchedulerAuthCandidate,
    SchedulerPickRequest,
    SchedulerPickResponse,
    WireDecodeError,
    decode,
    encode,
)


def _candidate(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "ID": f"auth-{i}",
        "Provider": "codex",
        "Priority": i,
        "Status": "active",
        "Attributes": {"plan_type": "plus", "seat": str(i)},
        "Metadata": None,
        **extra,
    }


def _request(*candidates: Any) -> bytes:
    return json.dumps({"Provider": "codex", "Model": "gpt-5.5", "Candidates": list(candidates)}).encode()


def test_a_lazy_candidate_is_the_model_it_stands_for() -> None:
    raw = [_candidate(i) for i in range(3)]
    request = decode(SchedulerPickRequest, _request(*raw))
    eager = [SchedulerAuthCandidate.model_validate_json(json.dumps(c)) for c in raw]
    assert request.candidates is not None
    assert all(isinstance(c, SchedulerAuthCandidate) for c in request.candidates)
    assert request.candidates == eager
    assert [c.attributes for c in request.candidates] == [c.attributes for c in eager]
    assert repr(request.candidates[0]) == repr(eager[0])
    assert request.candidates[1].model_dump() == eager[1].model_dump()
    assert encode(request) == encode(SchedulerPickRequest(provider="codex", model="gpt-5.5", candidates=eager))
    assert pickle.loads(pickle.dumps(request.candidates[2])) == eager[2]
    assert copy.deepcopy(request.candidates[2]) == eager[2]


def test_fields_are_validated_when_first_read() -> None:
    request = decode(SchedulerPickRequest, _request(_candidate(0), _candidate(1)))
    assert request.candidates is not None
    first, second = request.candidates
    read = BaseModel.__dict__["__dict__"].__get__(first)  # the fields validated so far
    assert first.id == "auth-0"
    assert list(read) == []  # a str of a str field: taken as it is
    assert first.attributes == {"plan_type": "plus", "seat": "0"}
    assert list(read) == ["attributes"]
    assert first.attributes is first.attributes
    assert BaseModel.__dict__["__dict__"].__get__(second) == {}  # never read: never validated


def test_an_invalid_candidate_fails_only_when_touched() -> None:
    body = _request(_candidate(0), {"ID": 5}, _candidate(2, Attributes={"seat": 3}), 7)
    request = decode(SchedulerPickRequest, body)  # decodes: nothing touched the broken ones
    assert request.candidates is not None
    assert request.candidates[0].id == "auth-0"
    assert request.candidates[2].id == "auth-2"  # its other fields are fine
    with pytest.raises(WireDecodeError, match=r"SchedulerAuthCandidate: Attributes"):
        request.candidates[2].attributes
    with pytest.raises(WireDecodeError, match="ID"):
        request.candidates[1].id
    with pytest.raises(WireDecodeError, match="number"):
        request.candidates[3].provider
    with pytest.raises(ValueError, match="SchedulerAuthCandidate"):  # pydantic wraps it: a serialization error
        encode(request)


def test_candidates_decode_as_go_reads_them() -> None:
    request = decode(SchedulerPickRequest, _request({"id": "a", "STATUS": "ok", "Priority": None, "Extra": 1}, None))
    assert request.candidates == [SchedulerAuthCandidate(id="a", status="ok"), SchedulerAuthCandidate()]


class Picker(Plugin, Scheduler):
    plugin_id = name = "picker"
    version, author, github_repository = "1", "me", "https://github.com/me/picker"
    touch = "id"

    def pick_auth(self, request: SchedulerPickRequest) -> SchedulerPickResponse | None:
        for candidate in request.candidates or []:
            if getattr(candidate, self.touch) == "auth-0" or (self.touch == "attributes" and candidate.attributes):
                return SchedulerPickResponse(auth_id=candidate.id, handled=True)
        return None


def _pick(touch: str, body: bytes) -> tuple[int, dict[str, Any]]:
    Picker.touch = touch
    dispatcher = Dispatcher(Picker, lambda method, request: (0, b'{"ok":true,"result":{}}'))
    rc, answer = dispatcher.call("scheduler.pick", body)
    return rc, json.loads(answer)


def test_an_untouched_invalid_candidate_does_not_fail_the_pick() -> None:
    rc, answer = _pick("id", _request(_candidate(0), _candidate(1, Attributes=[1, 2])))
    assert (rc, answer) == (0, {"ok": True, "result": {"AuthID": "auth-0", "Handled": True}})


def test_a_touched_invalid_candidate_answers_a_clear_error_envelope() -> None:
    rc, answer = _pick("attributes", _request(_candidate(0, Attributes=[1, 2])))
    assert rc == 1
    assert answer["error"]["code"] == "plugin_error"
    assert "decode scheduler.pick request" in answer["error"]["message"]
    assert "SchedulerAuthCandidate: Attributes" in answer["error"]["message"]


def test_built_in_python_the_list_holds_ordinary_models() -> None:
    request = SchedulerPickRequest(candidates=[SchedulerAuthCandidate(id="x")])
    assert type(request.candidates[0]) is SchedulerAuthCandidate  # type: ignore[index]
