"""host-callback-auth-files against the golden vectors of the Go example, with its host replies."""

from __future__ import annotations

import base64
import json
from typing import Any

from cpa_sdk.testing import FakeHost, PluginHarness
from reference_plugins.host_callback_auth_files import HOST_CALLBACKS, HostCallbackAuthFiles
from tests.reference.golden import replay_port

PAGE = "/v0/resource/plugins/host-callback-auth-files/status"


def test_golden_vectors_pages_and_host_calls(golden: dict[str, Any]) -> None:
    # host_callback_auth_files_go with its host replies; a failed host.auth.get shows as CPA
    # answers it (golden._host_failures_as_cpa_answers)
    harness = replay_port(golden, "host-callback-auth-files", HostCallbackAuthFiles)
    assert set(harness.host.methods()) == set(HOST_CALLBACKS)


def page_for(harness: PluginHarness, query: dict[str, list[str]] | None = None, body: Any = None) -> tuple[int, str]:
    request: dict[str, Any] = {"Method": "GET", "Path": PAGE, "Query": query}
    if body is not None:
        request["Body"] = base64.b64encode(json.dumps(body).encode()).decode()
    answer = harness.call("management.handle", request)
    return answer.status_code, answer.body.decode()


def test_missing_arguments_and_unknown_ops_are_200_pages_without_callbacks() -> None:
    with PluginHarness(HostCallbackAuthFiles, host=FakeHost(strict_logs=True)) as harness:
        harness.register({"enabled": True})
        cases = {
            "runtime": "auth_index is required for op=runtime",
            "get_runtime": "auth_index is required for op=runtime",
            "save": "name is required for op=save",
            "Bogus": "unknown op &#34;bogus&#34;: use list, get, runtime, or save",
        }
        for op, error in cases.items():
            status, page = page_for(harness, {"op": [op]})
            assert status == 200 and f'<pre class="error">{error}</pre>' in page, page
        status, page = page_for(harness, {"op": ["save"], "name": ["a.json"]})
        assert '<pre class="error">json is required for op=save</pre>' in page
        assert harness.host.calls == []


def test_save_sends_the_body_json_and_shows_where_it_went() -> None:
    host = FakeHost(strict_logs=True).on("host.auth.save", {"name": "b.json", "path": "/auths/b.json"})
    with PluginHarness(HostCallbackAuthFiles, host=host) as harness:
        harness.register({"enabled": True})
        status, page = page_for(
            harness, body={"Op": " SAVE ", "Name": "b.json", "JSON": {"type": "codex", "n": [1, 2]}}
        )
    assert status == 200
    assert [call.json() for call in host.calls] == [{"name": "b.json", "json": {"type": "codex", "n": [1, 2]}}]
    assert "<pre>{\n  &#34;name&#34;: &#34;b.json&#34;,\n  &#34;path&#34;: &#34;/auths/b.json&#34;\n}</pre>" in page


def test_get_shows_the_auth_file_json() -> None:
    host = FakeHost(strict_logs=True).on("host.auth.get", {"auth_index": "7", "name": "a.json", "json": {"type": "x"}})
    with PluginHarness(HostCallbackAuthFiles, host=host) as harness:
        harness.register({"enabled": True})
        _, page = page_for(harness, {"op": ["get"], "auth_index": ["7"]})
    assert host.calls[0].json() == {"auth_index": "7"}
    assert (
        "<pre>{\n  &#34;auth_index&#34;: &#34;7&#34;,\n  &#34;name&#34;: &#34;a.json&#34;,\n"
        "  &#34;json&#34;: {\n    &#34;type&#34;: &#34;x&#34;\n  }\n}</pre>"
    ) in page


def test_body_that_is_not_an_object_is_a_400_with_go_text() -> None:
    with PluginHarness(HostCallbackAuthFiles, host=FakeHost(strict_logs=True)) as harness:
        harness.register({"enabled": True})
        status, page = page_for(harness, body=["op", "list"])
    assert status == 400
    assert "decode JSON request body: json: cannot unmarshal array into Go value of type" in page


def test_query_json_must_be_json_as_go_reads_it() -> None:
    with PluginHarness(HostCallbackAuthFiles, host=FakeHost(strict_logs=True)) as harness:
        harness.register({"enabled": True})
        for text in ("NaN", "{'type': 'x'}", '{"a":1} trailing'):
            status, page = page_for(harness, {"op": ["save"], "name": ["a.json"], "json": [text]})
            assert status == 400 and '<pre class="error">query json must be valid JSON</pre>' in page, text
        assert harness.host.calls == []
