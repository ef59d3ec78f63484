"""``cpa_sdk.dev_reload``: the entry of ``cpa-sdk dev`` builds reloads the plugin's code on save.

Each test writes a plugin into ``tmp_path``, loads it through the entry the shim would call (with
``FakeHost`` as the host transport), edits the file, and sees what the next call gets. Mtimes are
bumped explicitly: an edit within the same second must not depend on the file system's clock.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpa_sdk.dev_reload import DevEndpoint, load
from cpa_sdk.testing import FakeHost, HostCall

SO_PATH = "/plugins/dev-plugin.so"
_NAMES = itertools.count()

PLUGIN = """
import json

from cpa_sdk import Plugin, PluginConfig, RequestNormalizer
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest
{imports}

TAG = {tag!r}


class Config(PluginConfig):
    suffix: str = ""
{config_extra}

class DevPlugin(Plugin[Config], {bases}):
    plugin_id = name = "dev-plugin"
    version = {version!r}
    author = "cpa-sdk tests"
    github_repository = "https://github.com/cpa-sdk/cpa-sdk"

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse:
        {before}
        return PayloadResponse(body=json.dumps({{"tag": TAG, "suffix": self.config.suffix}}).encode())

    def on_shutdown(self) -> None:
        {on_shutdown}
{extra}
"""


def plugin_source(
    tag: str,
    *,
    bases: str = "RequestNormalizer",
    version: str = "1.0.0",
    imports: str = "",
    config_extra: str = "",
    before: str = "pass",
    on_shutdown: str = "pass",
    extra: str = "",
) -> str:
    return PLUGIN.format(
        tag=tag,
        bases=bases,
        version=version,
        imports=imports,
        config_extra=config_extra,
        before=before,
        on_shutdown=on_shutdown,
        extra=extra,
    )


class Project:
    """A plugin module (or package) in a directory on ``sys.path``, edited by the test."""

    def __init__(self, root: Path, name: str, *, package: bool = False) -> None:
        self.root = root
        self.name = name
        self.package = package
        if package:
            (root / name).mkdir()
            (root / name / "__init__.py").write_text("")
            self.path = root / name / "plugin.py"
            self.module = f"{name}.plugin"
        else:
            self.path = root / f"{name}.py"
            self.module = name
        self.target = f"{self.module}:DevPlugin"
        self._bump = 0

    def write(self, source: str, path: Path | None = None) -> None:
        path = path or self.path
        path.write_text(textwrap.dedent(source))
        # A later mtime every write, whatever the clock's resolution.
        self._bump += 10
        stamp = 1_700_000_000 + self._bump
        os.utime(path, (stamp, stamp))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    name = f"devplug_{os.getpid()}_{next(_NAMES)}"
    monkeypatch.syspath_prepend(str(tmp_path))
    yield Project(tmp_path, name)
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


@pytest.fixture
def package_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    name = f"devpkg_{os.getpid()}_{next(_NAMES)}"
    monkeypatch.syspath_prepend(str(tmp_path))
    yield Project(tmp_path, name, package=True)
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def register(endpoint: DevEndpoint, config: str = "", method: str = "plugin.register") -> dict[str, Any]:
    request = {"config_yaml": base64.b64encode(config.encode()).decode(), "schema_version": 3}
    rc, raw = endpoint.call(method, json.dumps(request).encode())
    envelope: dict[str, Any] = json.loads(raw)
    assert rc == 0 and envelope["ok"], envelope
    return envelope["result"]  # type: ignore[no-any-return]


def normalize(endpoint: DevEndpoint) -> dict[str, Any]:
    rc, raw = endpoint.call("request.normalize", b'{"ToFormat":"codex","Model":"gpt-5.5","Body":"e30="}')
    envelope = json.loads(raw)
    assert rc == 0 and envelope["ok"], envelope
    return json.loads(base64.b64decode(envelope["result"]["Body"]))  # type: ignore[no-any-return]


def logs(host: FakeHost) -> list[dict[str, Any]]:
    return [call.json() for call in host.calls_to("host.log")]


def reload_logs(host: FakeHost) -> list[dict[str, Any]]:
    return [entry for entry in logs(host) if entry["message"].startswith(("reloaded ", "reloading "))]


def test_an_edit_is_served_on_the_next_call_with_the_config_kept(project: Project) -> None:
    project.write(plugin_source("one"))
    host = FakeHost()
    endpoint = load(SO_PATH, project.target, host, interval=0)
    register(endpoint, "suffix: kept\n")
    assert normalize(endpoint) == {"tag": "one", "suffix": "kept"}

    project.write(plugin_source("two"))
    assert normalize(endpoint) == {"tag": "two", "suffix": "kept"}
    assert endpoint.reloads == 1
    [entry] = reload_logs(host)
    assert entry["level"] == "info"
    assert entry["message"] == f"reloaded {project.module} ({project.path.name})"
    assert entry["fields"] == {"plugin_id": "dev-plugin"}

    # A reconfigure after the reload reaches the new code, and is what the next reload replays.
    register(endpoint, "suffix: changed\n", method="plugin.reconfigure")
    project.write(plugin_source("three"))
    assert normalize(endpoint) == {"tag": "three", "suffix": "changed"}
    assert endpoint.reloads == 2
    host.check()


def test_files_are_looked_at_no_more_often_than_the_interval(project: Project) -> None:
    project.write(plugin_source("one"))
    endpoint = load(SO_PATH, project.target, FakeHost(), interval=3600)
    register(endpoint)
    project.write(plugin_source("two"))
    assert normalize(endpoint)["tag"] == "one"  # not looked at yet
    assert endpoint.check() is True  # what the next call after the interval does
    assert normalize(endpoint)["tag"] == "two"
    assert endpoint.check() is False  # nothing changed since


def test_the_default_interval_is_half_a_second(project: Project) -> None:
    project.write(plugin_source("one"))
    endpoint = load(SO_PATH, project.target, FakeHost())
    assert endpoint.interval == 0.5
    assert endpoint.watched == [str(project.path)]


def test_a_syntax_error_keeps_the_old_code_and_logs_where(project: Project) -> None:
    project.write(plugin_source("one"))
    host = FakeHost()
    endpoint = load(SO_PATH, project.target, host, interval=0)
    register(endpoint, "suffix: s\n")
    old_module = sys.modules[project.module]

    broken = plugin_source("two").replace("return PayloadResponse(", "return PayloadResponse((")
    project.write(broken)
    for _ in range(3):  # the broken file is tried once, not on every call
        assert normalize(endpoint) == {"tag": "one", "suffix": "s"}
    [entry] = reload_logs(host)
    assert entry["level"] == "error"
    assert entry["fields"] == {"plugin_id": "dev-plugin"}
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "PayloadResponse((" in x)) + 1
    headline, *detail = entry["message"].split("\n")
    assert headline.startswith(f"reloading {project.module} failed, still serving the previous code: SyntaxError: ")
    assert headline.endswith(f" at {project.path.name}:{line}")
    assert any("PayloadResponse((" in text for text in detail), detail
    assert sys.modules[project.module] is old_module  # the old code's modules are back in place
    assert endpoint.reloads == 0

    project.write(plugin_source("fixed"))
    assert normalize(endpoint) == {"tag": "fixed", "suffix": "s"}
    assert reload_logs(host)[-1]["message"].startswith(f"reloaded {project.module}")


def test_an_exception_at_import_is_logged_with_the_plugins_frames_only(project: Project) -> None:
    project.write(plugin_source("one"))
    host = FakeHost()
    endpoint = load(SO_PATH, project.target, host, interval=0)
    register(endpoint)
    project.write(plugin_source("two", extra="\nSETTINGS = {}\nTIMEOUT = SETTINGS['timeout']\n"))
    assert normalize(endpoint)["tag"] == "one"
    [entry] = reload_logs(host)
    headline = entry["message"].split("\n")[0]
    assert entry["level"] == "error"
    assert "KeyError: 'timeout' at " + project.path.name in headline
    assert "<frozen" not in entry["message"]


def test_new_code_that_refuses_the_config_keeps_the_old_code(project: Project) -> None:
    project.write(plugin_source("one"))
    host = FakeHost()
    endpoint = load(SO_PATH, project.target, host, interval=0)
    register(endpoint, "suffix: s\n")
    refusing = (
        "\n    def on_configure(self, config):\n        from cpa_sdk import PluginError\n"
        "        raise PluginError('invalid_config', 'suffix ' + config.suffix + ' is not allowed now')\n"
    )
    project.write(plugin_source("two", extra=refusing))
    assert normalize(endpoint) == {"tag": "one", "suffix": "s"}
    message = reload_logs(host)[-1]["message"]
    assert message == (
        f"reloading {project.module} failed, still serving the previous code: "
        "the new code refused the last plugin.register CPA sent: suffix s is not allowed now"
    )


def test_a_class_that_is_gone_keeps_the_old_code(project: Project) -> None:
    project.write(plugin_source("one"))
    host = FakeHost()
    endpoint = load(SO_PATH, project.target, host, interval=0)
    register(endpoint)
    project.write(plugin_source("two").replace("class DevPlugin(", "class Renamed("))
    assert normalize(endpoint)["tag"] == "one"
    assert "has no 'DevPlugin' any more" in reload_logs(host)[-1]["message"]


def test_a_reload_before_registration_has_nothing_to_replay(project: Project) -> None:
    project.write(plugin_source("one"))
    endpoint = load(SO_PATH, project.target, FakeHost(), interval=0)
    project.write(plugin_source("two"))
    assert endpoint.check() is True
    registration = register(endpoint, "suffix: late\n")
    assert registration["metadata"]["Name"] == "dev-plugin"
    assert normalize(endpoint) == {"tag": "two", "suffix": "late"}


def test_changed_capabilities_and_metadata_are_said_to_need_a_restart(project: Project) -> None:
    project.write(plugin_source("one"))
    host = FakeHost()
    endpoint = load(SO_PATH, project.target, host, interval=0)
    register(endpoint)
    project.write(
        plugin_source(
            "two",
            bases="RequestNormalizer, ResponseAfterTranslator",
            version="1.1.0",
            imports="from cpa_sdk import ResponseAfterTranslator",
            extra="\n    def normalize_response_after(self, request):\n        return None\n",
        )
    )
    assert normalize(endpoint)["tag"] == "two"  # the code is reloaded all the same
    entry = reload_logs(host)[-1]
    assert entry["level"] == "warn"
    assert "capabilities changed (added response_after_translator)" in entry["message"]
    assert "metadata changed" in entry["message"]
    assert "restart `cpa-sdk dev`" in entry["message"]


def test_an_edit_anywhere_in_the_package_reloads_all_of_it(package_project: Project) -> None:
    project = package_project
    helper = project.root / project.name / "helper.py"
    project.write("TAG = 'from-helper-1'\n", helper)
    project.write(plugin_source("unused").replace("TAG = 'unused'", "from .helper import TAG"))
    host = FakeHost()
    endpoint = load(SO_PATH, project.target, host, interval=0)
    register(endpoint)
    assert normalize(endpoint)["tag"] == "from-helper-1"
    assert sorted(Path(p).name for p in endpoint.watched) == ["__init__.py", "helper.py", "plugin.py"]

    project.write("TAG = 'from-helper-2'\n", helper)
    assert normalize(endpoint)["tag"] == "from-helper-2"
    assert reload_logs(host)[-1]["message"] == f"reloaded {project.module} ({project.name}/helper.py)"

    # A new file counts as a change too.
    project.write("X = 1\n", project.root / project.name / "extra.py")
    assert endpoint.check() is True


def test_calls_in_flight_finish_on_the_old_code_which_is_then_shut_down(project: Project, tmp_path: Path) -> None:
    shared = f"{project.name}_shared"
    (tmp_path / f"{shared}.py").write_text("EVENTS = []\n")  # outside the plugin: not reloaded

    def source(tag: str) -> str:
        return plugin_source(
            tag,
            imports=f"import {shared}",
            before="self.host.log('gate') if TAG == 'one' else None",
            on_shutdown=f"{shared}.EVENTS.append('shutdown ' + TAG)",
        )

    project.write(source("one"))
    gate, entered = threading.Event(), threading.Event()

    def hold(call: HostCall) -> None:
        entered.set()
        assert gate.wait(10)

    host = FakeHost().on("host.log", hold, match=lambda call: call.json()["message"] == "gate", times=1)
    endpoint = load(SO_PATH, project.target, host, interval=0)
    register(endpoint)
    events = sys.modules[shared].EVENTS
    answers: list[dict[str, Any]] = []
    worker = threading.Thread(target=lambda: answers.append(normalize(endpoint)))
    worker.start()
    try:
        assert entered.wait(10)
        project.write(source("two"))
        assert normalize(endpoint)["tag"] == "two"  # new calls: the new code
        assert events == []  # the old code still has a call running
    finally:
        gate.set()
        worker.join(10)
    assert answers == [{"tag": "one", "suffix": ""}]
    assert events == ["shutdown one"]
    endpoint.shutdown()
    assert events == ["shutdown one", "shutdown two"]
    del sys.modules[shared]


def test_the_loaded_id_comes_from_the_file_name(project: Project) -> None:
    project.write(plugin_source("one"))
    host = FakeHost()
    endpoint = load("/plugins/renamed-dev.so", project.target, host, interval=0)
    register(endpoint)
    project.write(plugin_source("two"))
    normalize(endpoint)
    assert endpoint.dispatcher.plugin.loaded_id == "renamed-dev"
    assert reload_logs(host)[-1]["fields"] == {"plugin_id": "renamed-dev"}
