"""Request payloads for the benchmarks, shaped as CPA v7.2.140 fills them (Go encoding/json of the
pluginapi types: PascalCase keys, zero values written, nil maps and slices as null).

``scheduler_pick(n)``: ``SchedulerPickRequest`` as ``sdk/cliproxy/auth`` builds it
(``schedulerAuthCandidates``: ID, lower-cased Provider, Priority, Status, the non-sensitive
Attributes, Metadata left nil; ``Options`` with the request's headers and metadata). The other
builders give the remaining rows: response stream chunks, usage records, response bodies.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

BENCH_BODY = (
    Path(os.environ.get("CPA_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
    / "vectors"
    / "bench-responses-body.json"
)
"""The 2.5 KB Responses body of the ``request.normalize`` and ``response.normalize_after`` rows
(``../shared`` beside the checkout, or ``$CPA_SHARED_DIR``, as for the tests)."""

PLUGIN_META: dict[str, Any] = {
    "Name": "scheduler",
    "Version": "0.1.0",
    "Author": "router-for-me",
    "GitHubRepository": "https://github.com/router-for-me/CLIProxyAPI",
    "Logo": "https://raw.githubusercontent.com/router-for-me/CLIProxyAPI/main/docs/logo.png",
    "ConfigFields": [
        {
            "Name": "auth_id",
            "Type": "string",
            "EnumValues": None,
            "Description": "Selects this auth ID when it is present in the scheduler candidates.",
        },
        {
            "Name": "delegate",
            "Type": "enum",
            "EnumValues": ["", "fill-first", "round-robin"],
            "Description": "Delegates selection to a built-in scheduler when set to fill-first or round-robin.",
        },
        {
            "Name": "deny",
            "Type": "boolean",
            "EnumValues": None,
            "Description": "Rejects scheduler picks with an explicit error when enabled.",
        },
    ],
}

HEADERS: dict[str, list[str]] = {
    "Accept": ["text/event-stream"],
    "Content-Type": ["application/json"],
    "User-Agent": ["codex_cli_rs/0.77.0 (Debian 12.0.0; x86_64) xterm-256color"],
    "Originator": ["codex_cli_rs"],
    "Session_id": ["0199d5a1-7f3e-7c42-9a51-3b8f0c2d4e6a"],
    "Version": ["0.77.0"],
    "X-Forwarded-For": ["203.0.113.7"],
}


def candidate(i: int) -> dict[str, Any]:
    return {
        "ID": f"codex-user{i:04d}@example.com-plus.json",
        "Provider": "codex",
        "Priority": i % 3,
        "Status": "active" if i % 7 else "error",
        "Attributes": {
            "plan_type": "plus",
            "runtime_only": "false",
            "label": f"team seat {i}",
            "base_url": "https://chatgpt.com/backend-api/codex",
        },
        "Metadata": None,
    }


def scheduler_pick(n: int) -> bytes:
    request = {
        "Plugin": PLUGIN_META,
        "Provider": "codex",
        "Providers": ["codex"],
        "Model": "gpt-5.5",
        "Stream": True,
        "Options": {
            "Headers": HEADERS,
            "Metadata": {"execution_session_id": "exec-7f3e9a51", "requested_model": "gpt-5.5"},
        },
        "Candidates": [candidate(i) for i in range(n)],
    }
    return json.dumps(request, separators=(",", ":")).encode()


def register(config_yaml: bytes) -> bytes:
    return json.dumps({"config_yaml": base64.b64encode(config_yaml).decode(), "schema_version": 3}).encode()


def rows_register() -> bytes:
    """plugin.register for the plugin of the rows without an upstream port (bench_plugin.py)."""
    return register(b"enabled: true\npriority: 0\n")


def scheduler_config(auth_id: str) -> bytes:
    """plugin.register for the scheduler port: pick ``auth_id`` (the last candidate: every ID is read)."""
    return register(f"auth_id: {auth_id}\nenabled: true\npriority: 0\n".encode())


def last_candidate_id(n: int) -> str:
    return str(candidate(n - 1)["ID"])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def normalize(body: bytes) -> bytes:
    """request.normalize as CPA sends it to codex-service-tier."""
    return json.dumps(
        {"FromFormat": "openai-response", "ToFormat": "codex", "Model": "gpt-5.5", "Stream": False, "Body": b64(body)},
        separators=(",", ":"),
    ).encode()


def large_body(base: bytes, size: int) -> bytes:
    """A Responses request body of about ``size`` bytes: ``base``'s input, then earlier turns of the
    conversation (what makes real bodies large), as user and assistant messages."""
    request = json.loads(base)
    turns = list(request.get("input", []))
    filler = (
        "The build failed again on the integration step; here is the full log of the run, "
        "with the stack trace and the environment it ran in. "
    ) * 8
    i = 0
    while len(json.dumps(request, separators=(",", ":"))) < size:
        role = "user" if i % 2 == 0 else "assistant"
        kind = "input_text" if role == "user" else "output_text"
        turns.insert(
            len(turns) - 1 if turns else 0,
            {"type": "message", "role": role, "content": [{"type": kind, "text": f"[{i}] {filler}"}]},
        )
        request["input"] = turns
        i += 1
    return json.dumps(request, separators=(",", ":")).encode()


RESPONSE_HEADERS = {
    "Content-Type": ["text/event-stream"],
    "Openai-Processing-Ms": ["412"],
    "X-Request-Id": ["req_0199d5a17f3e7c429a513b8f"],
    "Cache-Control": ["no-cache"],
}


def sse_chunk(size: int) -> bytes:
    """One SSE frame of the Responses stream: a text delta (~200 B) or, for larger sizes, a
    ``response.completed`` event carrying the whole response (which names the model)."""
    if size <= 400:
        event = {
            "type": "response.output_text.delta",
            "item_id": "msg_0199d5a17f3e7c429a",
            "output_index": 0,
            "content_index": 0,
            "delta": "The failing step is the integration test",
            "sequence_number": 42,
        }
        return (
            b"event: response.output_text.delta\ndata: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"
        )
    text = (
        "The integration step fails because the fixture server starts after the tests connect; "
        "start it first and wait for its port. "
    ) * 2
    output = []
    while True:
        response = {
            "id": "resp_0199d5a17f3e7c429a513b8f",
            "object": "response",
            "created_at": 1764806400,
            "status": "completed",
            "model": "gpt-5.5-codex",
            "output": output,
            "usage": {"input_tokens": 2412, "output_tokens": 388, "total_tokens": 2800},
        }
        frame = (
            b"event: response.completed\ndata: "
            + json.dumps({"type": "response.completed", "response": response}, separators=(",", ":")).encode()
            + b"\n\n"
        )
        if len(frame) >= size:
            return frame
        output.append(
            {
                "type": "message",
                "id": f"msg_{len(output)}",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        )


def stream_chunk(size: int, index: int = 7) -> bytes:
    """response.intercept_stream_chunk as CPA v7.2.140 sends it on schema 3 (no request bodies)."""
    request = {
        "RequestID": "req_0199d5a17f3e7c429a513b8f",
        "SourceFormat": "openai-response",
        "Model": "gpt-5.5-codex",
        "RequestedModel": "gpt-5.5",
        "RequestHeaders": HEADERS,
        "ResponseHeaders": RESPONSE_HEADERS,
        "OriginalRequest": None,
        "RequestBody": None,
        "Body": b64(sse_chunk(size)),
        "HistoryChunks": None,
        "ChunkIndex": index,
        "Metadata": {"execution_session_id": "exec-7f3e9a51"},
        "host_callback_id": "cb-0199d5a1-0007",
    }
    return json.dumps(request, separators=(",", ":")).encode()


def usage_record() -> bytes:
    """usage.handle: one request's usage record, as CPA's usage reporter fills it."""
    record = {
        "Provider": "codex",
        "ExecutorType": "codex",
        "Model": "gpt-5.5-codex",
        "Alias": "gpt-5.5",
        "APIKey": "",
        "AuthID": "codex-user0007@example.com-plus.json",
        "AuthIndex": "7",
        "AuthType": "oauth",
        "Source": "codex_cli_rs",
        "ReasoningEffort": "medium",
        "ServiceTier": "priority",
        "Generate": True,
        "RequestedAt": "2026-12-04T18:20:31.123456789Z",
        "Latency": 4_512_000_000,
        "TTFT": 612_000_000,
        "Failed": False,
        "Failure": {"StatusCode": 0, "Body": ""},
        "Detail": {
            "InputTokens": 2412,
            "OutputTokens": 388,
            "ReasoningTokens": 128,
            "CachedTokens": 1920,
            "CacheReadTokens": 1920,
            "CacheCreationTokens": 0,
            "TotalTokens": 2800,
        },
        "ResponseHeaders": RESPONSE_HEADERS,
    }
    return json.dumps(record, separators=(",", ":")).encode()


def normalize_after(request_body: bytes) -> bytes:
    """response.normalize_after: a non-streamed Responses answer, with the client's request and its
    translation, as CPA sends them."""
    response = json.loads(sse_chunk(3000).split(b"data: ", 1)[1])["response"]
    return json.dumps(
        {
            "FromFormat": "codex",
            "ToFormat": "openai-response",
            "Model": "gpt-5.5",
            "Stream": False,
            "OriginalRequest": b64(request_body),
            "TranslatedRequest": b64(request_body),
            "Body": b64(json.dumps(response, separators=(",", ":")).encode()),
        },
        separators=(",", ":"),
    ).encode()
