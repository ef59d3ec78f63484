"""Concurrent and re-entrant calls, as CPA makes them: many threads, reconfigure in flight,
and calls into the plugin while one of its threads waits inside a host callback."""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor

from cpa_sdk import Plugin, RequestNormalizer
from cpa_sdk.dispatch import Dispatcher
from cpa_sdk.testing import FakeHost, HostCall
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest
from tests.sdk.plugins import META, Normalizer


def register(dispatcher: Dispatcher, text: str, method: str = "plugin.reconfigure") -> None:
    config = base64.b64encode(f"text: '{text}'\n".encode()).decode()
    rc, _ = dispatcher.call(method, f'{{"config_yaml":"{config}","schema_version":3}}'.encode())
    assert rc == 0


def test_many_threads_with_reconfigure_in_flight_get_old_or_new_config() -> None:
    dispatcher = Dispatcher(Normalizer, FakeHost())
    register(dispatcher, "!", "plugin.register")
    stop = threading.Event()

    def flip() -> None:
        while not stop.is_set():
            register(dispatcher, "?")
            register(dispatcher, "!")

    def worker(n: int) -> int:
        wrong = 0
        for i in range(1500):
            body = f"{n}-{i}".encode()
            request = f'{{"Model":"m","Body":"{base64.b64encode(body).decode()}"}}'.encode()
            rc, out = dispatcher.call("request.normalize", request)
            answer = base64.b64decode(out.split(b'"Body":"')[1].split(b'"')[0])
            wrong += rc != 0 or answer not in (body + b"!", body + b"?")
        return wrong

    flipper = threading.Thread(target=flip)
    flipper.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            assert sum(pool.map(worker, range(8))) == 0
    finally:
        stop.set()
        flipper.join()


class ReEntrant(Plugin, RequestNormalizer):
    """Asks the host to run a nested model call that comes back into this same plugin."""

    plugin_id = "re-entrant"
    name = "ReEntrant"
    version, author, github_repository = META["version"], META["author"], META["github_repository"]

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse:
        if request.model == "outer":
            from cpa_sdk.wire import HostModelExecutionRequest

            nested = self.host.model_execute(HostModelExecutionRequest(model="inner", body=request.body))
            return PayloadResponse(body=b"outer(" + (nested.body or b"") + b")")
        return PayloadResponse(body=b"inner(" + (request.body or b"") + b")")


def test_call_made_while_a_thread_waits_in_a_host_callback_completes() -> None:
    host = FakeHost()
    dispatcher = Dispatcher(ReEntrant, host)

    def nested_execution(call: HostCall) -> dict[str, object]:
        # CPA runs the nested request on another goroutine, which calls the plugin again.
        result: list[bytes] = []

        def inner() -> None:
            body = call.json()["body"]
            result.append(dispatcher.call("request.normalize", f'{{"Model":"inner","Body":"{body}"}}'.encode())[1])

        thread = threading.Thread(target=inner)
        thread.start()
        thread.join(10)
        assert not thread.is_alive(), "re-entrant call deadlocked"
        inner_body = result[0].split(b'"Body":"')[1].split(b'"')[0].decode()
        return {"status_code": 200, "body": inner_body}

    host.on("host.model.execute", nested_execution)
    rc, out = dispatcher.call("request.normalize", b'{"Model":"outer","Body":"eA=="}')
    assert rc == 0
    assert base64.b64decode(out.split(b'"Body":"')[1].split(b'"')[0]) == b"outer(inner(x))"
