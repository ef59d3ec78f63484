"""A large []byte answered back (unchanged, or edited) reuses the request's base64 text where it
can; the answer is always the standard base64 of the answered bytes."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from cpa_sdk.wire import PayloadResponse, RequestTransformRequest, ResponseTransformRequest, decode, encode
from cpa_sdk.wire._go import GoModel, _b64_for

MODELS = [RequestTransformRequest, ResponseTransformRequest]  # decoded whole, decoded lazily

BODY = json.dumps({"input": [{"role": "user", "content": "x" * 7 + str(i)} for i in range(3000)]}).encode()


def _request(body: bytes) -> bytes:
    return json.dumps({"ToFormat": "codex", "Model": "m", "Body": base64.b64encode(body).decode()}).encode()


def _edits(body: bytes) -> list[bytes]:
    rng = random.Random(7)
    cut = rng.randrange(len(body))
    return [
        body,  # the very object
        body[:-1] + b',"service_tier":"priority"}',  # edited at the end (codex-service-tier)
        body[:cut] + b"~" + body[cut + 1 :],  # one byte changed anywhere
        b"{" + body[1:],  # the first byte
        body[:cut],  # shorter
        body + b" " * 5,  # longer
        bytes(rng.randrange(256) for _ in range(20000)),  # nothing shared
        b"",
    ]


@pytest.mark.parametrize("model", MODELS)
def test_a_large_body_read_offers_its_base64_to_the_answer(model: type[GoModel]) -> None:
    body = decode(model, _request(BODY)).body  # type: ignore[attr-defined]
    reused = _b64_for(body)
    assert isinstance(reused, memoryview) and bytes(reused) == base64.b64encode(BODY)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("which", range(8))
def test_the_answer_is_the_base64_of_the_answered_bytes(which: int, model: type[GoModel]) -> None:
    request: Any = decode(model, _request(BODY))
    assert request.body == BODY
    answered = _edits(request.body)[which] if which else request.body
    encoded = json.loads(encode(PayloadResponse(body=answered)))
    assert base64.b64decode(encoded.get("Body", ""), validate=True) == answered
    assert encoded.get("Body", "") == base64.b64encode(answered).decode()


def test_a_body_sent_twice_in_one_request_is_not_taken_for_the_other() -> None:
    other = BODY[:-2] + b"]}"
    raw = json.dumps(
        {
            "OriginalRequest": base64.b64encode(other).decode(),
            "TranslatedRequest": base64.b64encode(BODY).decode(),
            "Body": base64.b64encode(BODY).decode(),
        }
    ).encode()
    request = decode(ResponseTransformRequest, raw)
    for answered in (request.body, request.original_request):
        assert answered is not None
        encoded = json.loads(encode(PayloadResponse(body=answered)))["Body"]
        assert encoded == base64.b64encode(answered).decode()


def test_bytes_fields_that_start_alike_keep_the_fast_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    from cpa_sdk.wire import ExecutorRequest, _go

    def slow(cls: Any, data: bytes) -> Any:
        raise AssertionError("decoded the slow way")

    monkeypatch.setattr(_go, "_decode_folded", slow)
    translated = BODY[:-1] + b',"service_tier":"priority"}'  # the client's body and its translation
    raw = json.dumps(
        {"OriginalRequest": base64.b64encode(BODY).decode(), "Payload": base64.b64encode(translated).decode()}
    ).encode()
    request = decode(ExecutorRequest, raw)
    assert (request.original_request, request.payload) == (BODY, translated)
