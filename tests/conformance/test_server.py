"""End to end: CPA's real server, built from the loader module, runs our Python plugins.

The server listens on 127.0.0.1 with a config this module writes. Its ``codex-api-key``
credentials point at a fake Responses upstream on 127.0.0.1 that records every request; its
HTTP(S) proxy variables point at a local sink that refuses (and records) any outbound attempt,
so nothing leaves the machine. Each run asserts on what the upstream received.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conformance import harness
from tests.conformance.plugins.raising_normalizer import RaisingNormalizer
from tests.source_lines import line_of

KEY_A = "sk-upstream-conformance-a"
KEY_B = "sk-upstream-conformance-b"

FAST_BODY = {
    "model": "gpt-5.5",
    "input": [{"role": "user", "content": [{"type": "input_text", "text": "Say hi to the conformance suite"}]}],
    "instructions": "Answer briefly.",
    "metadata": {"suite": "cpa-sdk conformance", "case": "fast"},
    "reasoning": {"effort": "low"},
    "max_output_tokens": 64,
    "stream": False,
}
OTHER_MODEL_BODY = dict(FAST_BODY, model="gpt-5.4", metadata={"suite": "cpa-sdk conformance", "case": "other"})

DUMMY_AUTH_FILE = "conformance-dummy.json"


@pytest.fixture
def network() -> Iterator[tuple[harness.FakeCodexUpstream, harness.OutboundSink]]:
    upstream = harness.FakeCodexUpstream()
    sink = harness.OutboundSink()
    try:
        yield upstream, sink
    finally:
        upstream.close()
        sink.close()


def codex_keys(upstream: harness.FakeCodexUpstream) -> list[dict[str, Any]]:
    return [
        {"api-key": KEY_A, "base-url": upstream.url("/a")},
        {"api-key": KEY_B, "base-url": upstream.url("/b")},
    ]


def key_of(request: harness.UpstreamRequest) -> str:
    auth = request.headers.get("authorization", "")
    return {f"Bearer {KEY_A}": "A", f"Bearer {KEY_B}": "B"}.get(auth, f"?{auth}")


def report_server(server: harness.CPAServer, label: str, sink: harness.OutboundSink) -> None:
    version = server.build.version
    for line in server.plugin_log_lines():
        harness.evidence(f"[{version}] server/{label}: {line.strip()}")
    attempts, sink.attempts[:] = list(sink.attempts), []
    for attempt in attempts:
        harness.evidence(f"[{version}] server/{label}: outbound attempt refused by the local sink: {attempt}")


def only_responses(requests: list[harness.UpstreamRequest]) -> list[harness.UpstreamRequest]:
    return [r for r in requests if r.path.endswith("/responses")]


def send(
    server: harness.CPAServer, upstream: harness.FakeCodexUpstream, body: dict[str, Any]
) -> harness.UpstreamRequest:
    status, data = server.responses(body)
    assert status == 200, f"CPA answered {status}: {data[:2000]!r}\n{server.log_tail()}"
    reply = json.loads(data)
    assert reply.get("status") == "completed", reply
    received = only_responses(upstream.take())
    assert len(received) == 1, [r.path for r in received]
    return received[0]


def test_server_harness_with_control_c_plugin(
    cpa: harness.CPABuild, artifacts: harness.Artifacts, tmp_path: Path, network: Any
) -> None:
    """CPA's server loads the C control plugin and proxies to the fake upstream: the harness works."""
    upstream, sink = network
    work = tmp_path / "run-control"
    harness.install_plugins(artifacts.paths, work / "plugins", ["control"])
    config = harness.server_config(harness.free_port(), work, {"control": {"enabled": True}}, codex_keys(upstream))
    with harness.CPAServer(cpa, work, config, sink) as server:
        server.wait_for_log("pluginhost: plugin registered plugin_id=control")
        received = send(server, upstream, OTHER_MODEL_BODY)
        assert received.json()["model"] == "gpt-5.4"
        assert key_of(received) in ("A", "B")
        report_server(server, "control(C)", sink)


def listing_view(registration: dict[str, Any]) -> dict[str, Any]:
    """A golden registration as ``GET /v0/management/plugins`` shows it (snake_case keys)."""
    meta = registration["metadata"]
    # The listing turns a null EnumValues (and a null ConfigFields) into [] (htmlsanitize.Strings).
    fields = [
        {
            "name": f["Name"],
            "type": f["Type"],
            "enum_values": f.get("EnumValues") or [],
            "description": f["Description"],
        }
        for f in meta.get("ConfigFields") or []
    ]
    return {
        "name": meta["Name"],
        "version": meta["Version"],
        "author": meta["Author"],
        "github_repository": meta["GitHubRepository"],
        "logo": meta.get("Logo", ""),
        "config_fields": fields,
    }


def unescaped(value: Any) -> Any:
    """CPA HTML-escapes strings in the management listing; compare the text itself."""
    if isinstance(value, str):
        return html.unescape(value)
    if isinstance(value, list):
        return [unescaped(v) for v in value]
    if isinstance(value, dict):
        return {k: unescaped(v) for k, v in value.items()}
    return value


def management_listing(server: harness.CPAServer) -> dict[str, dict[str, Any]]:
    status, _, body = server.request(
        "GET", "/v0/management/plugins", headers={"Authorization": f"Bearer {harness.MANAGEMENT_KEY}"}
    )
    assert status == 200, (status, body[:500])
    return {entry["id"]: entry for entry in json.loads(body)["plugins"]}


def listed_models(server: harness.CPAServer) -> set[str]:
    status, _, body = server.request("GET", "/v1/models", headers={"X-Example-Frontend-Auth": "exclusive"})
    return {m.get("id") for m in json.loads(body).get("data", [])} if status == 200 else set()


def test_all_reference_plugins_in_one_server(
    cpa: harness.CPABuild, artifacts: harness.Artifacts, golden: dict[str, Any], tmp_path: Path, network: Any
) -> None:
    """Every reference plugin at once in one CPA process: all register, the management API shows
    the golden metadata and config fields, and static models reach CPA's model list."""
    upstream, sink = network
    ids = sorted(set(artifacts.specs) & set(artifacts.paths) - set(harness.TEST_PLUGIN_SPECS))
    paths = artifacts.need_sdk_built(*harness.REQUIRED_REFERENCE_PLUGINS, *ids)
    work = tmp_path / "run-all"
    harness.install_plugins(paths, work / "plugins", sorted(paths))
    config = harness.server_config(
        harness.free_port(), work, {pid: {"enabled": True} for pid in paths}, codex_keys(upstream)
    )
    with harness.CPAServer(cpa, work, config, sink) as server:
        for plugin_id in paths:
            server.wait_for_log(f"pluginhost: plugin registered plugin_id={plugin_id}")
        if "example-model-python" in paths:
            # CPA logs "plugin registered" per plugin, then asks for static models once all are
            # loaded (RegisterModels, no log line): wait for the model list, asserted below.
            harness.wait_until(lambda: "example-model-python-model" in listed_models(server), timeout=15)
        listing = management_listing(server)
        key_status, _, key_body = server.request(
            "GET", "/v1/models", headers={"Authorization": f"Bearer {harness.CLIENT_KEY}"}
        )
        status, _, models_body = server.request("GET", "/v1/models", headers={"X-Example-Frontend-Auth": "exclusive"})
        wrong_status, _, _ = server.request("GET", "/v1/models", headers={"X-Example-Frontend-Auth": "Exclusive"})
        assert server.alive
        report_server(server, "all-reference-plugins", sink)
    compared = []
    for plugin_id in sorted(paths):
        entry = listing[plugin_id]
        assert entry["registered"] and entry["effective_enabled"], entry
        name = artifacts.specs[plugin_id].cls.name
        matched = harness.golden_registration(golden, name)
        assert matched or plugin_id not in harness.REQUIRED_REFERENCE_PLUGINS, plugin_id
        if matched is not None:
            expected = listing_view(matched[1])
            assert unescaped(entry["metadata"]) == expected, (plugin_id, entry["metadata"])
            assert unescaped(entry["config_fields"]) == expected["config_fields"]
            compared.append(plugin_id)
    harness.evidence(
        f"[{cpa.version}] server: {len(paths)} reference plugins loaded in one CPA process; "
        f"GET /v0/management/plugins shows golden metadata and config fields for {compared}"
    )
    if "frontend-auth-exclusive" in paths:
        # The exclusive frontend authenticator replaces CPA's own API keys (cpa-protocol.md §5.4).
        assert (key_status, status, wrong_status) == (401, 200, 401), (key_status, key_body[:200], status)
        harness.evidence(
            f"[{cpa.version}] server: frontend-auth-exclusive is CPA's only authenticator: "
            "/v1/models with the configured API key -> 401, with X-Example-Frontend-Auth: exclusive "
            "-> 200, with 'Exclusive' -> 401"
        )
    if "example-model-python" in paths:
        assert status == 200, models_body[:500]
        model_ids = {m.get("id") for m in json.loads(models_body).get("data", [])}
        assert "example-model-python-model" in model_ids, sorted(model_ids)
        harness.evidence(
            f"[{cpa.version}] server: GET /v1/models lists example-model-python-model (model.static "
            "through CPA's RegisterModels)"
        )


def test_codex_service_tier_scheduler_and_resources_end_to_end(
    cpa: harness.CPABuild, artifacts: harness.Artifacts, tmp_path: Path, network: Any
) -> None:
    upstream, sink = network
    paths = artifacts.need("codex-service-tier", "scheduler", "candidate-probe", "raising-normalizer")
    version = cpa.version

    # -- run 1: fast: true, a raising normalizer ahead of it, a probe scheduler ------------------
    work1 = tmp_path / "run-fast"
    harness.install_plugins(paths, work1 / "plugins", list(paths))
    probe_out = work1 / "candidates.jsonl"
    config1 = harness.server_config(
        harness.free_port(),
        work1,
        {
            "raising-normalizer": {"enabled": True, "priority": 20},
            "codex-service-tier": {"enabled": True, "priority": 10, "fast": True},
            "candidate-probe": {"enabled": True, "priority": 5, "out": str(probe_out)},
        },
        codex_keys(upstream),
    )
    with harness.CPAServer(cpa, work1, config1, sink) as server:
        for plugin_id in ("raising-normalizer", "codex-service-tier", "candidate-probe"):
            server.wait_for_log(f"pluginhost: plugin registered plugin_id={plugin_id}")
        fast = send(server, upstream, FAST_BODY)
        other = send(server, upstream, OTHER_MODEL_BODY)
        streamed_status, streamed = server.responses(dict(FAST_BODY, stream=True))
        assert streamed_status == 200 and b"response.completed" in streamed, streamed[:500]
        fast_stream = only_responses(upstream.take())
        assert server.alive, "CPA died while a normalizer raised"
        raised = [line for line in server.log_text().splitlines() if "RuntimeError: raising-normalizer refuses" in line]
        report_server(server, "fast", sink)
    # The exception reached CPA's log through host.log, once per request (CPA itself logs nothing).
    assert len(raised) >= 3, f"the raising normalizer was not called on every request:\n{server.log_tail()}"
    # CPA prints no field of ours: where the plugin failed is in the message itself.
    where = f"at raising_normalizer.py:{line_of(RaisingNormalizer.normalize_request, 'raise')} in normalize_request"
    assert all(where in line for line in raised), (where, raised)
    for line in raised:
        harness.evidence(f"[{version}] server/fast: {line.strip()}")

    fast_body = fast.json()
    assert fast_body.get("service_tier") == "priority", fast_body
    assert "service_tier" not in other.json(), other.json()
    assert len(fast_stream) == 1 and fast_stream[0].json().get("service_tier") == "priority"
    for key in ("model", "instructions", "metadata", "reasoning"):
        assert fast_body[key] == FAST_BODY[key], (key, fast_body[key])
    harness.evidence(
        f"[{version}] server: fast=true, gpt-5.5 -> upstream {fast.path} received "
        f'"service_tier":"priority" (stream and non-stream); gpt-5.4 -> no service_tier; '
        "raising-normalizer raised on every call and CPA kept serving (HTTP 200)"
    )

    # The probe saw the codex-api-key candidates: map CPA's auth IDs to our keys by base URL.
    picks = list(harness.iter_json_lines(probe_out))
    assert picks, f"candidate-probe was never asked to pick:\n{server.log_tail()}"
    ids_by_base = {(c.get("Attributes") or {}).get("base_url"): c["ID"] for c in picks[0]["Candidates"]}
    id_a, id_b = ids_by_base[upstream.url("/a")], ids_by_base[upstream.url("/b")]
    assert not any("api_key" in (c.get("Attributes") or {}) for pick in picks for c in pick["Candidates"]), (
        "CPA leaked api_key attributes to a scheduler plugin"
    )

    # -- run 2: fast: false and the reference scheduler pinned to key B -------------------------
    work2 = tmp_path / "run-baseline"
    harness.install_plugins(paths, work2 / "plugins", ["codex-service-tier", "scheduler"])
    plugin_configs = {
        "codex-service-tier": {"enabled": True, "priority": 10, "fast": False},
        "scheduler": {"enabled": True, "priority": 10, "auth_id": id_b},
    }
    config2 = harness.server_config(harness.free_port(), work2, plugin_configs, codex_keys(upstream))
    with harness.CPAServer(cpa, work2, config2, sink) as server:
        for plugin_id in ("codex-service-tier", "scheduler"):
            server.wait_for_log(f"pluginhost: plugin registered plugin_id={plugin_id}")
        baseline = [send(server, upstream, FAST_BODY) for _ in range(3)]
        baseline_other = send(server, upstream, OTHER_MODEL_BODY)

        # Hot config reload: the scheduler is reconfigured to key A without a restart.
        config2["plugins"]["configs"]["scheduler"]["auth_id"] = id_a
        server.write_config(config2)
        switched: list[harness.UpstreamRequest] = []

        def moved_to_a() -> bool:
            switched.append(send(server, upstream, FAST_BODY))
            return key_of(switched[-1]) == "A"

        assert harness.wait_until(moved_to_a, timeout=45, interval=1.0), (
            f"scheduler still picks {[key_of(r) for r in switched]} after the config reload\n{server.log_tail()}"
        )
        after_reload = [send(server, upstream, FAST_BODY) for _ in range(2)]
        report_server(server, "baseline+scheduler", sink)

    assert [key_of(r) for r in baseline + [baseline_other]] == ["B", "B", "B", "B"]
    assert [r.path for r in baseline] == ["/b/responses"] * 3
    assert [key_of(r) for r in after_reload] == ["A", "A"]
    for request in baseline:
        body = request.json()
        assert "service_tier" not in body, body
        # fast: true changed exactly one thing: every other field is as CPA sends it without the plugin
        assert {k: v for k, v in fast_body.items() if k != "service_tier"} == body
    assert baseline_other.json() == other.json()
    harness.evidence(
        f"[{version}] server: fast=false -> upstream body identical to the fast=true body minus "
        f"service_tier ({len(fast_body) - 1} other top-level fields compared); gpt-5.4 body identical "
        "in both runs"
    )
    harness.evidence(
        f"[{version}] server: scheduler auth_id={id_b} -> upstream saw key B on 4/4 requests; "
        f"after a config hot reload to auth_id={id_a} -> key A ({len(switched)} request(s) to switch)"
    )


def test_host_callback_auth_files_resource(
    cpa: harness.CPABuild, artifacts: harness.Artifacts, tmp_path: Path, golden: dict[str, Any], network: Any
) -> None:
    upstream, sink = network
    paths = artifacts.need("host-callback-auth-files")
    work = tmp_path / "run-resource"
    harness.install_plugins(paths, work / "plugins", ["host-callback-auth-files"])
    config = harness.server_config(
        harness.free_port(), work, {"host-callback-auth-files": {"enabled": True}}, codex_keys(upstream)
    )
    (work / "auths").mkdir(parents=True, exist_ok=True)
    (work / "auths" / DUMMY_AUTH_FILE).write_text(
        json.dumps({"type": "conformance-dummy", "email": "dummy@example.invalid", "disabled": True})
    )
    with harness.CPAServer(cpa, work, config, sink) as server:
        server.wait_for_log("pluginhost: plugin registered plugin_id=host-callback-auth-files")
        path = "/v0/resource/plugins/host-callback-auth-files/status"
        body = b""
        status = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the auth watcher registers the file asynchronously
            status, headers, body = server.request("GET", path, timeout=30)
            if status == 200 and DUMMY_AUTH_FILE.encode() in body:
                break
            time.sleep(0.5)
        assert status == 200, (status, body[:1000], server.log_tail())
        assert headers.get("Content-Type", headers.get("content-type", "")).startswith("text/html"), headers
        assert DUMMY_AUTH_FILE.encode() in body, body.decode(errors="replace")[:3000]
        missing_status, _, _ = server.request("GET", "/v0/resource/plugins/host-callback-auth-files/nope")
        assert missing_status == 404
        menus = management_listing(server)["host-callback-auth-files"]["menus"]
        assert server.alive
        report_server(server, "resource", sink)
    if not artifacts.standin:
        resources = [
            json.loads(step["out"])["result"]["resources"]
            for step in golden["host_callback_auth_files_go"]
            if step["method"] == "management.register"
        ][0]
        assert unescaped(menus) == [
            {
                "path": f"/v0/resource/plugins/host-callback-auth-files{r['Path']}",
                "menu": r["Menu"],
                "description": r["Description"],
            }
            for r in resources
        ]
    harness.evidence(
        f"[{cpa.version}] server: GET {path} -> 200 text/html listing {DUMMY_AUTH_FILE} "
        "(plugin called host.auth.list through the real host)"
    )
