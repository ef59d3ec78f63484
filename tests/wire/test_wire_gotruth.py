"""Go is the judge: the wire models against CPA v7.2.140 itself.

* ``gocheck/`` is a tiny Go program linked against ``github.com/router-for-me/CLIProxyAPI/v7``
  v7.2.140. It decodes JSON into the real ``sdk/pluginapi`` types (plus the host's
  ``host_callback_id`` / ``stream_id`` wrapper fields) with ``encoding/json`` and encodes the
  result again. Whatever we encode must come back as the same model, under the same JSON names,
  in Go's field order; and Go and ``decode`` must accept and reject the same input.
* The CPA source in the Go module cache gives the field names, order and Go types of every
  struct (the internal ``rpc*`` structs included), the 52 method constants, and which request and
  result type the host uses for each method.

These tests need Go (``go`` on PATH or /usr/local/go/bin/go) and the Go module proxy on first
run. They fail, never skip, without them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pydantic_core
import pytest
from _go_source import GoField, host_callbacks, method_constants, plugin_calls, read, structs
from _wire_support import MODELS, model_strategy, parse, populated, zero_fields
from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic.fields import FieldInfo

import cpa_sdk.wire as wire
from cpa_sdk.methods import METHODS
from cpa_sdk.testing import go_zero_stripped
from cpa_sdk.wire import WireDecodeError, decode, encode
from cpa_sdk.wire._go import GoBytes, GoDuration, GoModel, GoTime, Header
from cpa_sdk.wire._types import GoInt, GoInt64, GoUint32

HERE = Path(__file__).resolve().parent
GOCHECK = HERE / "gocheck"
ROOT = HERE.parents[1]
CACHE = ROOT / ".cache"
CPA_MODULE = "github.com/router-for-me/CLIProxyAPI/v7"


# ---------------------------------------------------------------------------------------------
# The Go side


def _go_env() -> dict[str, str]:
    return dict(
        os.environ,
        GOFLAGS="-mod=mod",
        GOMODCACHE=str(CACHE / "go-mod"),
        GOCACHE=str(CACHE / "go-build"),
        GOTOOLCHAIN="local",
    )


@pytest.fixture(scope="session")
def go() -> str:
    found = shutil.which("go") or ("/usr/local/go/bin/go" if os.access("/usr/local/go/bin/go", os.X_OK) else None)
    if found is None:
        pytest.fail("the Go toolchain is required for the Go-truth wire tests (install Go or put it on PATH)")
    return found


def _run_go(go: str, *args: str) -> str:
    result = subprocess.run(
        [go, *args], cwd=GOCHECK, env=_go_env(), capture_output=True, text=True, timeout=1200, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"go {' '.join(args)} failed (module download from the Go proxy?):\n{result.stderr}")
    return result.stdout


@pytest.fixture(scope="session")
def wirecheck(go: str) -> Path:
    binary = CACHE / "wirecheck" / "wirecheck"
    _run_go(go, "build", "-o", str(binary), ".")
    return binary


@pytest.fixture(scope="session")
def cpa_source(go: str) -> Path:
    _run_go(go, "mod", "download", CPA_MODULE)  # go list -m alone leaves Dir empty on a cold cache
    directory = Path(_run_go(go, "list", "-m", "-f", "{{.Dir}}", CPA_MODULE).strip())
    assert (directory / "sdk" / "pluginapi" / "types.go").is_file(), directory
    assert directory.name.endswith("@v7.2.140"), directory
    return directory


class GoCodec:
    """One long-lived wirecheck process: a JSON document in, Go's re-encoding (or error) out."""

    def __init__(self, binary: Path) -> None:
        self._process = subprocess.Popen(
            [str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self._lock = threading.Lock()

    def round_trip(self, go_type: str, raw: bytes) -> tuple[bytes | None, str | None]:
        """(Go's JSON, None) or (None, Go's decode error)."""
        assert b"\n" not in raw
        line = b'{"type":' + pydantic_core.to_json(go_type) + b',"json":' + raw + b"}\n"
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        with self._lock:
            process.stdin.write(line)
            process.stdin.flush()
            answer = process.stdout.readline()
        if not answer:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"wirecheck died: {stderr}")
        if answer.startswith(b'{"json":'):
            return answer[len(b'{"json":') : answer.rindex(b"}")], None
        error = parse(answer)["error"]
        assert not error.startswith(("unknown type", "bad input", "marshal")), error
        return None, error

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=10)


@pytest.fixture(scope="session")
def go_codec(wirecheck: Path) -> Iterator[GoCodec]:
    codec = GoCodec(wirecheck)
    yield codec
    codec.close()


# ---------------------------------------------------------------------------------------------
# Which Go type stands for which model

# Models that are host-internal structs (``internal/pluginhost``), which no other module can
# import: checked against the source below and against Appendix B in test_wire_appendix_b.py.
INTERNAL_ONLY = {
    "EmptyRequest",
    "EmptyResponse",
    "LifecycleRequest",
    "Registration",
    "CapabilityFlags",
    "IdentifierResponse",
    "ExecutorStreamResponse",
    "HostLogRequest",
    "HostStreamEmitRequest",
    "HostStreamCloseRequest",
    "HostAuthListResponse",
}
# Models whose pluginapi stand-in has the same fields and JSON names.
STAND_INS = {
    "HostHTTPStreamResponse": "HostModelStreamResponse",
    "StreamIDRequest": "HostModelStreamReadRequest",
    "HostHTTPStreamReadResponse": "HostModelStreamReadResponse",
}
# Models whose pluginapi stand-in differs in key case only (Go matches keys case-insensitively).
LOOKALIKES = {"HostHTTPRequest": "HTTPRequest", "ManagementRegistrationResponse": "ManagementRegistrationResponse"}
# Go fields that are never on the wire from a plugin, as Go writes them.
GO_ONLY_NULLS = {"Err", "Handler"}


@pytest.fixture(scope="session")
def go_types(wirecheck: Path) -> set[str]:
    listing = subprocess.run([str(wirecheck), "-types"], capture_output=True, text=True, check=True, timeout=60)
    return set(listing.stdout.split())


def _go_type(cls: type[GoModel]) -> str:
    name = cls.__name__
    return STAND_INS.get(name) or LOOKALIKES.get(name) or name


GO_CHECKED = [cls for cls in MODELS if cls.__name__ not in INTERNAL_ONLY]


def test_every_model_has_a_go_stand_in(go_types: set[str]) -> None:
    assert {_go_type(cls) for cls in GO_CHECKED} <= go_types
    assert {cls.__name__ for cls in MODELS} - {cls.__name__ for cls in GO_CHECKED} == INTERNAL_ONLY


def _as_go_sees_it(model: GoModel) -> GoModel:
    """The model Go's stand-in keeps: HTTPRequest has no host_callback_id."""
    if type(model).__name__ == "HostHTTPRequest":
        return model.model_copy(update={"host_callback_id": ""})
    return model


def _struct_keys(cls: type[GoModel], value: Any, path: str = "") -> list[str]:
    """Struct keys of JSON ``value`` for ``cls`` in document order, map keys excluded."""
    if not isinstance(value, dict):
        return []
    shapes = {shape.alias.lower(): shape for shape in cls._shapes.values()}
    keys: list[str] = []
    for key, item in value.items():
        keys.append(path + key)
        shape = shapes[key.lower()]
        nested = shape.nested
        if nested is None or item is None:
            continue
        if shape.container == "":
            keys += _struct_keys(nested, item, f"{path}{key}.")
        elif shape.container == "list":
            keys += [k for i, v in enumerate(item) for k in _struct_keys(nested, v, f"{path}{key}[{i}].")]
        elif shape.container == "dict":
            keys += [k for m, v in item.items() for k in _struct_keys(nested, v, f"{path}{key}[{m}].")]
        else:
            for m, values in item.items():
                for i, v in enumerate(values):
                    keys += _struct_keys(nested, v, f"{path}{key}[{m}][{i}].")
    return keys


@pytest.mark.parametrize("cls", GO_CHECKED, ids=lambda cls: cls.__name__)
def test_go_decodes_what_we_encode(cls: type[GoModel], go_codec: GoCodec) -> None:
    instance = populated(cls)
    assert not zero_fields(instance)
    go_json, error = go_codec.round_trip(_go_type(cls), encode(instance))
    assert error is None, error
    assert go_json is not None
    assert decode(cls, go_json) == _as_go_sees_it(instance)


@pytest.mark.parametrize("cls", [c for c in GO_CHECKED if c.__name__ not in LOOKALIKES], ids=lambda cls: cls.__name__)
def test_go_writes_our_names_in_our_order(cls: type[GoModel], go_codec: GoCodec) -> None:
    instance = populated(cls)
    ours = parse(encode(instance))
    go_json, error = go_codec.round_trip(_go_type(cls), encode(instance))
    assert error is None and go_json is not None, error
    theirs = _without_go_only_nulls(parse(go_json))
    assert go_zero_stripped(theirs) == go_zero_stripped(ours)
    assert _struct_keys(cls, theirs) == _struct_keys(cls, ours)


def _without_go_only_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_go_only_nulls(v) for k, v in value.items() if not (k in GO_ONLY_NULLS and v is None)}
    if isinstance(value, list):
        return [_without_go_only_nulls(v) for v in value]
    return value


@pytest.mark.parametrize("cls", GO_CHECKED, ids=lambda cls: cls.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_go_agrees_on_generated_instances(
    cls: type[GoModel], go_codec: GoCodec, source: Source, data: st.DataObject
) -> None:
    instance = data.draw(model_strategy(cls))
    go_json, error = go_codec.round_trip(_go_type(cls), encode(instance))
    assert error is None, error
    assert go_json is not None
    expected = _as_go_sees_it(instance)
    if cls.__name__ not in LOOKALIKES:
        expected = _after_omitempty(expected, source, _go_type(cls))
    assert decode(cls, go_json) == expected


def _after_omitempty(model: GoModel, source: Source, struct: str) -> GoModel:
    """``model`` as Go writes it back: ``omitempty`` turns empty slices and maps into absent keys,
    which read back as nil."""
    go_fields = {f.json_name: f for f in source.wire_fields(struct)}
    updates: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        field = go_fields.get(info.alias or name)
        if field is None:
            continue
        element = field.type.lstrip("*[]").removeprefix("pluginapi.")
        if field.omitempty and isinstance(value, (list, dict, bytes)) and not value:
            updates[name] = None
        elif isinstance(value, GoModel):
            updates[name] = _after_omitempty(value, source, element)
        elif isinstance(value, list) and value and isinstance(value[0], GoModel):
            updates[name] = [_after_omitempty(item, source, element) for item in value]
    return model.model_copy(update=updates)


# ---------------------------------------------------------------------------------------------
# Go and decode() accept and reject the same input

M = wire
AGREEMENT: list[tuple[type[GoModel], str]] = [
    # Go's simple case folding: the long s and the Kelvin sign match ASCII letters, ß never "ss"
    (M.AuthLoginPollResponse, '{"\u017ftatus":"x"}'),
    (M.ThinkingSupport, '{"\u212aevels":["a"]}'),
    (M.CommandLineFlag, '{"U\u00dfage":"x"}'),
    # a null slice inside a map reads as an empty slice
    (M.HostConfigSummary, '{"ExcludedModels":{"p":null,"q":["m"]}}'),
    # an exact key and its lower-case form both given: the last wins (pydantic >= 2.14, as Go)
    (M.ModelAlias, '{"Name":"a","name":"b"}'),
    (M.ModelAlias, '{"name":"b","Name":"a"}'),
    (M.AuthModelRequest, '{"authid":"x"}'),
    (M.AuthModelRequest, '{"auth_id":"x","AuthProvider":"p"}'),
    (M.AuthModelRequest, '{"AUTHID":"x","AuthID":"y"}'),
    (M.AuthModelRequest, '{"AuthID":"y","AUTHID":"x"}'),
    (M.AuthModelRequest, '{"Plugin":{"githubrepository":"r","Nope":1},"host_callback_ID":"7"}'),
    (M.ExecutorRequest, '{"STREAM_ID":"3","streamid":"4","Payload":"e30="}'),
    (M.SchedulerPickResponse, '{"auth_id":"a","handled":true}'),
    (M.ExecutorResponse, '{"Payload":"aGk"}'),
    (M.ExecutorResponse, '{"Payload":"-_8="}'),
    (M.ExecutorResponse, '{"Payload":"+/8="}'),
    (M.ExecutorResponse, '{"Payload":[104,105]}'),
    (M.ExecutorResponse, '{"Payload":[104,256]}'),
    (M.ExecutorResponse, '{"Payload":[-1]}'),
    (M.ExecutorResponse, '{"Payload":"aG\\r\\nk="}'),
    (M.ExecutorResponse, '{"Payload":" aGk="}'),
    (M.ExecutorResponse, '{"Payload":""}'),
    (M.ExecutorResponse, '{"Payload":[]}'),
    (M.ExecutorResponse, '{"Payload":null}'),
    (M.ExecutorResponse, '{"Payload":1}'),
    (M.ExecutorResponse, '{"Headers":{"A":"b"}}'),
    (M.ExecutorResponse, '{"Headers":{"A":["b"],"a":["c"]}}'),
    (M.ExecutorResponse, '{"Metadata":{"n":1.5,"o":{"x":[null]}}}'),
    (M.ExecutorResponse, "null"),
    (M.ExecutorResponse, "[]"),
    (M.ExecutorResponse, '"x"'),
    (M.ExecutorHTTPResponse, '{"StatusCode":200.0}'),
    (M.ExecutorHTTPResponse, '{"StatusCode":2e2}'),
    (M.ExecutorHTTPResponse, '{"StatusCode":"200"}'),
    (M.ExecutorHTTPResponse, '{"StatusCode":null}'),
    (M.ExecutorHTTPResponse, '{"StatusCode":-5}'),
    (M.ExecutorHTTPResponse, '{"StatusCode":9223372036854775808}'),
    (M.UsageDetail, '{"InputTokens":-9223372036854775808}'),
    (M.UsageDetail, '{"InputTokens":9223372036854775807}'),
    (M.FrontendAuthResponse, '{"Authenticated":1}'),
    (M.FrontendAuthResponse, '{"Authenticated":"true"}'),
    (M.FrontendAuthResponse, '{"Authenticated":null,"Principal":"p"}'),
    (M.FrontendAuthResponse, '{"Metadata":{"a":1}}'),
    (M.StreamIDRequest, '{"stream_id":3}'),
    (M.StreamIDRequest, '{"stream_id":"3"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":""}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":null}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"2026-01-02T03:04:05Z"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"2026-01-02T03:04:05.123456789-07:00"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"2026-01-02T03:04:05,5+01:00"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"0001-01-01T00:00:00Z"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"2026-01-02T03:04:05"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"2026-01-02"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"2026-01-02 03:04:05Z"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"2026-01-02t03:04:05Z"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"2026-01-02T03:04:05z"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":"2026-02-30T03:04:05Z"}'),
    (M.AuthLoginStartResponse, '{"ExpiresAt":1}'),
    (M.UsageRecord, '{"Latency":1500,"TTFT":null}'),
    (M.UsageRecord, '{"Latency":1.5}'),
    (M.UsageRecord, '{"Latency":"1s"}'),
    (M.UsageRecord, '{"Failure":null,"Detail":{"totaltokens":3}}'),
    (M.ModelRegistrationResponse, '{"Models":[null,{"ID":"m"}]}'),
    (M.ModelRegistrationResponse, '{"Models":{"ID":"m"}}'),
    (M.ModelInfo, '{"Thinking":{"levels":["a"],"ZEROALLOWED":true}}'),
    (M.ModelInfo, '{"Thinking":null}'),
    (M.CommandLineExecutionRequest, '{"Flags":{"a":null,"b":{"SET":true}}}'),
    (M.HostConfigSummary, '{"OAuthModelAlias":{"p":[{"NAME":"x","Extra":1},null]}}'),
    (M.StreamChunkInterceptRequest, '{"HistoryChunks":[null,"aGk=",""]}'),
    (M.StreamChunkInterceptRequest, '{"HistoryChunks":["aGk"]}'),
    (M.HostAuthGetResponse, '{"json":{"a":[1,{"b":null}]}}'),
    (M.HostAuthGetResponse, '{"JSON":"text","Auth_Index":"1"}'),
    (M.HostAuthFileEntry, '{"modtime":"0001-01-01T00:00:00Z","recent_requests":[{"TIME":"t","success":2}]}'),
    (M.ExecutorStreamChunk, '{"Payload":"aGk=","Err":null}'),
    (M.ManagementRoute, '{"Method":"GET","Handler":null}'),
    # the interface fields left out of the models: anything but null fails, as in Go
    (M.ExecutorStreamChunk, '{"Err":"boom"}'),
    (M.ManagementRoute, '{"Handler":{}}'),
    (M.ResourceRoute, '{"HANDLER":1}'),
    (M.ManagementRegistrationResponse, '{"routes":[{"path":"/x"}],"RESOURCES":[{"Menu":"m"}]}'),
    (M.HostHTTPRequest, '{"METHOD":"POST","Url":"http://x","body":"aGk="}'),
]


def _agree(cls: type[GoModel], raw: str, go_codec: GoCodec) -> None:
    go_json, go_error = go_codec.round_trip(_go_type(cls), raw.encode())
    try:
        ours = decode(cls, raw.encode())
        ours.model_dump()  # reads every field: a model decoded lazily fails only when a field is read
    except WireDecodeError as exc:
        assert go_error is not None, f"Go accepts {raw}, decode() rejects it: {exc}"
        return
    assert go_error is None, f"Go rejects {raw} ({go_error}), decode() accepts it: {ours!r}"
    assert go_json is not None
    assert _as_go_sees_it(decode(cls, go_json)) == _as_go_sees_it(ours)


@pytest.mark.parametrize(("cls", "raw"), AGREEMENT, ids=[f"{c.__name__}:{r}" for c, r in AGREEMENT])
def test_go_and_decode_agree(cls: type[GoModel], raw: str, go_codec: GoCodec) -> None:
    _agree(cls, raw, go_codec)


# ---------------------------------------------------------------------------------------------
# The CPA source: struct fields, methods, request and result types

INTERNAL_FILES = (
    "internal/pluginhost/rpc_schema.go",
    "internal/pluginhost/host_callbacks.go",
    "internal/pluginhost/auth_callbacks.go",
    "internal/pluginhost/stream_bridge.go",
)
# Host-internal wire structs -> model (the request wrappers map through their embedded type).
INTERNAL_MODELS = {
    "rpcLifecycleRequest": "LifecycleRequest",
    "rpcRegistration": "Registration",
    "rpcCapabilities": "CapabilityFlags",
    "rpcIdentifierResponse": "IdentifierResponse",
    "rpcExecutorStreamResponse": "ExecutorStreamResponse",
    "rpcManagementRegistrationResponse": "ManagementRegistrationResponse",
    "rpcEmptyResponse": "EmptyResponse",
    "rpcHostHTTPRequest": "HostHTTPRequest",
    "rpcHostHTTPStreamResponse": "HostHTTPStreamResponse",
    "rpcHostHTTPStreamReadRequest": "StreamIDRequest",
    "rpcHostHTTPStreamReadResponse": "HostHTTPStreamReadResponse",
    "rpcHostHTTPStreamCloseRequest": "StreamIDRequest",
    "rpcHostLogRequest": "HostLogRequest",
    "rpcStreamEmitRequest": "HostStreamEmitRequest",
    "rpcStreamCloseRequest": "HostStreamCloseRequest",
    "rpcHostAuthGetRequest": "HostAuthGetRequest",
    "rpcHostAuthListResponse": "HostAuthListResponse",
    "rpcHostAuthGetResponse": "HostAuthGetResponse",
}
# pluginapi structs that are not wire models, or whose wire form is an rpc struct.
PLUGINAPI_NOT_MODELLED = {
    "Plugin",
    "Capabilities",
    "HTTPRequest",
    "HTTPStreamResponse",
    "HTTPStreamChunk",
    "ExecutorStreamResponse",
    "ManagementRegistrationResponse",
}
PLUGINAPI_RENAMED = {"HostModelStreamReadRequest": "StreamIDRequest", "HostModelStreamCloseRequest": "StreamIDRequest"}
# (struct, JSON name) of Go fields deliberately left out of the models.
OMITTED = {
    ("ExecutorStreamChunk", "Err"),  # error interface: only null decodes
    ("ManagementRoute", "Handler"),  # interface: only null decodes
    ("ResourceRoute", "Handler"),
    ("rpcHostHTTPRequest", "http_client_id"),  # accepted and ignored by the host
    ("rpcHostHTTPRequest", "request"),  # the nested form; the models write the flat form
    ("rpcHostHTTPStreamResponse", "chunks"),  # never filled by the host
}
STRING_TYPES = {
    "ConfigFieldType",
    "ExecutorModelScope",
    "AuthLoginStatus",
    "ModelRouteTargetKind",
    "RequestCompletionOutcome",
}
SCALARS: dict[str, Any] = {
    "string": str,
    "bool": bool,
    "int": GoInt,
    "int64": GoInt64,
    "uint32": GoUint32,
    "[]byte": GoBytes,
    "[][]byte": list[GoBytes] | None,
    "time.Time": GoTime,
    "time.Duration": GoDuration,
    "http.Header": Header,
    "url.Values": Header,
    "httpHeader": Header,
    "map[string][]string": Header,
    "map[string]any": dict[str, Any] | None,
    "map[string]string": dict[str, str] | None,
    "[]string": list[str] | None,
    "json.RawMessage": Any,
}


class Source:
    def __init__(self, module_dir: Path) -> None:
        self.dir = module_dir
        self.api = structs(read(module_dir, "sdk/pluginapi/types.go"))
        self.internal = {k: v for k, v in structs(read(module_dir, *INTERNAL_FILES)).items() if k.startswith("rpc")}

    def model_for(self, go_type: str) -> str:
        """The model named after a Go struct type, as written in the source."""
        name = go_type.removeprefix("pluginapi.")
        if name in self.internal:
            embedded = [f for f in self.internal[name] if f.embedded]
            return self.model_for(embedded[0].type) if embedded else INTERNAL_MODELS[name]
        assert name in self.api and name not in PLUGINAPI_NOT_MODELLED, go_type
        return PLUGINAPI_RENAMED.get(name, name)

    def wire_fields(self, struct: str) -> list[GoField]:
        """Fields on the wire, embedded structs flattened, omitted ones dropped."""
        fields = self.internal[struct] if struct in self.internal else self.api[struct]
        out: list[GoField] = []
        for field in fields:
            if field.embedded:
                out += self.wire_fields(field.type.removeprefix("pluginapi."))
            elif field.tag != "-" and (struct, field.json_name) not in OMITTED:
                out.append(field)
        return out

    def annotation(self, go_type: str) -> Any:
        go_type = go_type.removeprefix("pluginapi.")
        if go_type in SCALARS:
            return SCALARS[go_type]
        if go_type in STRING_TYPES:
            return str
        if go_type.startswith("*"):
            return self.annotation(go_type[1:]) | None
        if go_type.startswith("[]"):
            return list[self.annotation(go_type[2:])] | None  # type: ignore[misc]
        if go_type.startswith("map[string][]"):
            return dict[str, list[self.annotation(go_type[13:])]] | None  # type: ignore[misc]
        if go_type.startswith("map[string]"):
            return dict[str, self.annotation(go_type[11:])] | None  # type: ignore[misc]
        return getattr(wire, self.model_for(go_type))


@pytest.fixture(scope="session")
def source(cpa_source: Path) -> Source:
    return Source(cpa_source)


def _same_type(ours: FieldInfo, expected: Any) -> bool:
    wanted = FieldInfo.from_annotation(expected)
    metadata = [m for m in ours.metadata if not getattr(m, "lazy_items", False)]  # how it decodes, not its type
    return bool(ours.annotation == wanted.annotation and metadata == wanted.metadata)


def _check_struct(source: Source, struct: str, cls: type[GoModel], *, prefix_only: bool = False) -> None:
    expected = source.wire_fields(struct)
    fields = list(cls.model_fields.items())
    if prefix_only:  # a pluginapi type whose model also has the wrapper's extra fields
        extra = [info.alias for _, info in fields[len(expected) :]]
        assert set(extra) <= {"stream_id", "host_callback_id"}, extra
        fields = fields[: len(expected)]
    assert [info.alias for _, info in fields] == [f.json_name for f in expected], struct
    for (name, info), field in zip(fields, expected, strict=True):
        assert _same_type(info, source.annotation(field.type)), f"{cls.__name__}.{name}: Go type {field.type}"


def test_pluginapi_structs_match_the_models(source: Source) -> None:
    checked = set()
    wrapped = {source.model_for(s) for s, fields in source.internal.items() if any(f.embedded for f in fields)}
    for struct in source.api:
        if struct in PLUGINAPI_NOT_MODELLED:
            continue
        cls = getattr(wire, source.model_for(struct))
        _check_struct(source, struct, cls, prefix_only=cls.__name__ in wrapped)
        checked.add(cls.__name__)
    assert len(checked) >= 60


def test_internal_structs_match_the_models(source: Source) -> None:
    for struct in source.internal:
        cls = getattr(wire, source.model_for(struct))
        _check_struct(source, struct, cls)
    # Empty requests are the host's rpcEmptyResponse value as well.
    _check_struct(source, "rpcEmptyResponse", wire.EmptyRequest)


def test_every_model_is_checked_against_a_go_struct(source: Source) -> None:
    covered = {source.model_for(s) for s in source.internal}
    covered |= {source.model_for(s) for s in source.api if s not in PLUGINAPI_NOT_MODELLED}
    covered.add("EmptyRequest")
    assert covered == {cls.__name__ for cls in MODELS}


def test_method_names_are_the_pluginabi_constants(cpa_source: Path) -> None:
    constants = method_constants(read(cpa_source, "sdk/pluginabi/types.go"))
    assert len(constants) == 52
    assert set(constants.values()) == set(METHODS)


def _model_name_for(source: Source, go_type: str, *, request: bool) -> str:
    if go_type == "rpcEmptyResponse" or (request and go_type == "map[string]any"):
        return "EmptyRequest" if request else "EmptyResponse"
    return source.model_for(go_type)


def _has_callback_id(source: Source, go_type: str) -> bool:
    name = go_type.removeprefix("pluginapi.")
    if name not in source.internal and name not in source.api:
        return False
    return any(f.json_name == "host_callback_id" for f in source.wire_fields(name))


def test_plugin_methods_use_the_hosts_types(source: Source, cpa_source: Path) -> None:
    constants = method_constants(read(cpa_source, "sdk/pluginabi/types.go"))
    client = read(cpa_source, "internal/pluginhost/rpc_client.go", "internal/pluginhost/rpc_client_stream.go")
    seen = set()
    for call in plugin_calls(client):
        if call.method_expr.startswith("pluginabi."):
            methods = [constants[call.method_expr.removeprefix("pluginabi.")]]
        elif call.function == "registerRPCPlugin":
            methods = ["plugin.register", "plugin.reconfigure"]
        elif call.function == "callPluginIdentifier":
            names = re.findall(r"callPluginIdentifier\(a\.client, pluginabi\.(Method\w+)\)", client)
            methods = [constants[n] for n in names]
        else:
            assert call.method_expr == "a.method", call
            names = re.findall(r"method: pluginabi\.(Method\w+)", client)
            methods = [constants[n] for n in names]
        for method in methods:
            row = METHODS[method]
            assert row.direction == "plugin"
            assert row.request.__name__ == _model_name_for(source, call.request_type, request=True), method
            assert row.response is not None
            assert row.response.__name__ == _model_name_for(source, call.response_type, request=False), method
            assert row.carries_callback_id == _has_callback_id(source, call.request_type), method
            seen.add(method)
    never_sent = {"plugin.shutdown"}
    assert seen == {name for name, row in METHODS.items() if row.direction == "plugin"} - never_sent


def test_host_callbacks_use_the_hosts_types(source: Source, cpa_source: Path) -> None:
    constants = method_constants(read(cpa_source, "sdk/pluginabi/types.go"))
    dispatch = read(cpa_source, "internal/pluginhost/host_callbacks.go")
    handlers = read(
        cpa_source,
        "internal/pluginhost/host_callbacks.go",
        "internal/pluginhost/auth_callbacks.go",
        "internal/pluginhost/host_model_stream_callbacks.go",
    )
    seen = set()
    for callback in host_callbacks(dispatch, handlers):
        method = constants[callback.constant]
        row = METHODS[method]
        assert row.direction == "host"
        assert callback.request_type is not None
        assert row.request.__name__ == _model_name_for(source, callback.request_type, request=True), method
        response_type = callback.response_type
        if response_type is None:
            # host.http.do returns what HostHTTPClient.Do returns.
            assert method == "host.http.do"
            api_source = read(cpa_source, "sdk/pluginapi/types.go")
            assert "Do(context.Context, HTTPRequest) (HTTPResponse, error)" in api_source
            response_type = "pluginapi.HTTPResponse"
        assert row.response is not None
        if response_type == "pluginapi.HTTPResponse":
            assert row.response is wire.HTTPResponse
            _check_struct(source, "HTTPResponse", wire.HTTPResponse)
        else:
            assert row.response.__name__ == _model_name_for(source, response_type, request=False), method
        assert row.carries_callback_id == _has_callback_id(source, callback.request_type), method
        seen.add(method)
    assert seen == {name for name, row in METHODS.items() if row.direction == "host"}


def test_schema_version_is_the_hosts(cpa_source: Path) -> None:
    text = read(cpa_source, "sdk/pluginabi/types.go")
    assert f"SchemaVersion uint32 = {wire.SCHEMA_VERSION}\n" in text


def test_stream_chunk_header_init_index_is_the_hosts(cpa_source: Path) -> None:
    text = read(cpa_source, "sdk/pluginapi/types.go")
    assert f"const StreamChunkHeaderInitIndex = {wire.STREAM_CHUNK_HEADER_INIT_INDEX}\n" in text


@pytest.mark.parametrize(
    ("go_type", "alias"),
    [
        ("ExecutorModelScope", wire.ExecutorModelScope),
        ("ModelRouteTargetKind", wire.ModelRouteTargetKind),
        ("AuthLoginStatus", wire.AuthLoginStatus),
        ("RequestCompletionOutcome", wire.RequestCompletionOutcome),
        ("ConfigFieldType", wire.ConfigFieldType),
    ],
)
def test_enum_literals_are_the_hosts_constants(go_type: str, alias: Any, cpa_source: Path) -> None:
    text = read(cpa_source, "sdk/pluginapi/types.go")
    values = set(re.findall(rf'^\s*\w+\s+{go_type} = "([^"]*)"', text, re.M))
    assert values == set(get_args(alias))


def test_scheduler_builtins_are_the_hosts(cpa_source: Path) -> None:
    text = read(cpa_source, "sdk/pluginapi/types.go")
    values = set(re.findall(r'SchedulerBuiltin\w+ = "([^"]*)"', text))
    assert (
        values
        == set(get_args(wire.SchedulerBuiltin))
        == {
            wire.SCHEDULER_BUILTIN_ROUND_ROBIN,
            wire.SCHEDULER_BUILTIN_FILL_FIRST,
        }
    )
