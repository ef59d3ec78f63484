"""The entry function of development builds: serves a plugin and reloads its Python on save.

``cpa-sdk dev`` builds the plugin with this ``load`` as its entry (as ``cpa-sdk build --entry
cpa_sdk.dev_reload:load`` would). The shim calls ``load(so_path, target, host_call)`` as it calls
``cpa_sdk._bridge.load``; the endpoint it gets serves every call through an ordinary
``Dispatcher``, and on a call, at most every ``interval`` seconds, looks at the ``.py`` files of
the plugin's own top-level package (or its single module).
When they changed it imports the target afresh, builds a new ``Dispatcher`` with the same host
transport and plugin ID, replays the last successful ``plugin.register``/``plugin.reconfigure``
request to it so it holds the configuration CPA gave, and swaps it in. Calls already running
finish on the old dispatcher, which is shut down when the last of them returns.

What cannot change without a restart: the registration. CPA reads capabilities and metadata once,
when it loads the library; a reload whose class declares different ones says so in its log line.
A reload that fails (the code does not import, the class is not valid, or it refuses the last
configuration) keeps the old code serving, logs why at level error, and is tried again when the
files change again.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cpa_sdk._bridge import load as _load_dispatcher
from cpa_sdk.dispatch import Dispatcher
from cpa_sdk.envelope import OK_PREFIX
from cpa_sdk.errors import PluginLoadError
from cpa_sdk.failure_log import failure_message
from cpa_sdk.host import Host, HostTransport
from cpa_sdk.plugin import Plugin

__all__ = ["DEFAULT_INTERVAL", "DevEndpoint", "load", "package_roots", "source_snapshot"]

DEFAULT_INTERVAL: Final = 0.5
"""Seconds between two looks at the plugin's files (each look is one ``stat`` per file)."""

_LIFECYCLE: Final = frozenset({"plugin.register", "plugin.reconfigure"})
_SKIPPED_DIRS: Final = frozenset({"__pycache__", "node_modules"})

Snapshot = dict[str, tuple[int, int]]
"""``path -> (mtime_ns, size)`` of every watched ``.py`` file."""


def load(so_path: str, target: str, host_call: HostTransport, *, interval: float = DEFAULT_INTERVAL) -> DevEndpoint:
    """The shim's entry for a development build (``cpa-sdk dev``): a reloading endpoint."""
    return DevEndpoint(so_path, target, host_call, interval=interval)


# -- which files --------------------------------------------------------------------------------


def package_roots(module_name: str) -> list[Path]:
    """The directories (a package) or the file (a module) of ``module_name``'s top-level package.

    The package must be imported already (the entry imported the target)."""
    top = sys.modules.get(module_name.partition(".")[0])
    if top is None:
        return []
    paths = getattr(top, "__path__", None)
    if paths is not None:
        return [Path(p) for p in paths]
    module_file = getattr(top, "__file__", None)
    if module_file and module_file.endswith(".py"):
        return [Path(module_file)]
    return []


def source_snapshot(roots: Iterable[Path]) -> Snapshot:
    """``(mtime_ns, size)`` of every ``.py`` file under ``roots``; files that vanish are left out."""
    snapshot: Snapshot = {}
    for root in roots:
        if root.is_file():
            _stat_into(snapshot, str(root))
            continue
        for directory, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith(".")]
            for name in files:
                if name.endswith(".py"):
                    _stat_into(snapshot, os.path.join(directory, name))
    return snapshot


def _stat_into(snapshot: Snapshot, path: str) -> None:
    try:
        info = os.stat(path)
    except OSError:
        return
    snapshot[path] = (info.st_mtime_ns, info.st_size)


def changed_files(before: Snapshot, after: Snapshot) -> list[str]:
    """The files added, removed or modified between two snapshots."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


# -- the endpoint -------------------------------------------------------------------------------


@dataclass(eq=False)
class _Generation:
    """One imported version of the plugin and the calls running on it."""

    dispatcher: Dispatcher
    inflight: int = 0
    retired: bool = False
    closed: bool = False


class DevEndpoint:
    """``call(method, request) -> (rc, bytes)`` and ``shutdown()`` for the shim, reloading on change."""

    def __init__(
        self, so_path: str, target: str, host_call: HostTransport, *, interval: float = DEFAULT_INTERVAL
    ) -> None:
        self.target = target
        self.module_name, _, self.class_name = target.partition(":")
        self.interval = interval
        self.reloads = 0
        """How many reloads succeeded (tests and diagnostics)."""
        self._host_call = host_call
        self._host = Host(host_call)
        first = _load_dispatcher(so_path, target, host_call)
        self.plugin_id = first.plugin.loaded_id
        self._registered_version = first.registered_version
        self._current = _Generation(first)
        self._retired: list[_Generation] = []
        self._lock = threading.Lock()  # guards the generations and the last lifecycle request
        self._reload_lock = threading.Lock()  # one look at the files at a time
        self._lifecycle: tuple[str, bytes] | None = None
        self._roots = package_roots(self.module_name)
        self._snapshot = source_snapshot(self._roots)
        self._next_check = time.monotonic() + interval
        self._closed = False

    @property
    def dispatcher(self) -> Dispatcher:
        """The dispatcher new calls go to."""
        return self._current.dispatcher

    @property
    def watched(self) -> list[str]:
        """The files a change of which reloads the plugin."""
        return sorted(self._snapshot)

    def call(self, method: str, request: bytes) -> tuple[int, bytes]:
        """Serve one call on the newest code, after reloading it if its files changed. Never raises."""
        if time.monotonic() >= self._next_check:
            self.check()
        with self._lock:
            generation = self._current
            generation.inflight += 1
        try:
            rc, response = generation.dispatcher.call(method, request)
        finally:
            self._leave(generation)
        if method in _LIFECYCLE and rc == 0 and response.startswith(OK_PREFIX):
            with self._lock:
                # What CPA last configured the plugin with, whichever code answered it.
                self._lifecycle = (method, bytes(request))
        return rc, response

    def shutdown(self) -> None:
        """Quiesce every dispatcher still open: the current one and retired ones with calls left."""
        with self._lock:
            self._closed = True
            generations = [g for g in (*self._retired, self._current) if not g.closed]
            for generation in generations:
                generation.closed = True
            self._retired.clear()
        for generation in generations:
            generation.dispatcher.shutdown()

    # -- reloading ------------------------------------------------------------------------------

    def check(self) -> bool:
        """Look at the files now; reload when they changed. True when new code was swapped in."""
        if not self._reload_lock.acquire(blocking=False):
            return False  # another thread is looking; this call runs on the code there is
        try:
            if self._closed:
                return False
            snapshot = source_snapshot(self._roots)
            self._next_check = time.monotonic() + self.interval
            changed = changed_files(self._snapshot, snapshot)
            if not changed:
                return False
            self._snapshot = snapshot  # a failed reload is tried again on the next change only
            return self._reload(changed)
        finally:
            self._reload_lock.release()

    def _reload(self, changed: list[str]) -> bool:
        top = self.module_name.partition(".")[0]
        if top == "cpa_sdk":
            return False  # the SDK itself is never unloaded: every plugin of the process shares it
        for path in changed:
            _forget_bytecode(path)
        saved = _take_modules(top)
        importlib.invalidate_caches()
        old = self._current.dispatcher
        try:
            dispatcher = self._new_dispatcher()
        except BaseException as exc:  # noqa: BLE001 - any failure of the new code keeps the old
            _take_modules(top)
            sys.modules.update(saved)
            self._host.log(_reload_failure(self.module_name, exc), level="error", plugin_id=self.plugin_id)
            return False
        with self._lock:
            previous = self._current
            self._current = _Generation(dispatcher)
            previous.retired = True
            close_now = previous.inflight == 0 and not previous.closed
            if close_now:
                previous.closed = True
            else:
                self._retired.append(previous)
            self.reloads += 1
        if close_now:
            previous.dispatcher.shutdown()
        names = ", ".join(_short(path, self._roots) for path in changed)
        note = _registration_changes(old.plugin_class, dispatcher.plugin_class)
        message = f"reloaded {self.module_name} ({names})"
        if note:
            message += f"; {note}"
        self._host.log(message, level="warn" if note else "info", plugin_id=self.plugin_id)
        return True

    def _new_dispatcher(self) -> Dispatcher:
        plugin_class = _import_class(self.module_name, self.class_name, self.target)
        dispatcher = Dispatcher(plugin_class, self._host_call)
        dispatcher.plugin.loaded_id = self.plugin_id
        dispatcher.registered_version = self._registered_version
        with self._lock:
            lifecycle = self._lifecycle
        if lifecycle is None:
            return dispatcher  # CPA has not registered the plugin yet: nothing to hold
        method, request = lifecycle
        rc, response = dispatcher.call(method, request)
        if rc != 0 or not response.startswith(OK_PREFIX):
            dispatcher.shutdown()
            raise _RegistrationRefused(method, response)
        return dispatcher

    def _leave(self, generation: _Generation) -> None:
        with self._lock:
            generation.inflight -= 1
            close = generation.retired and generation.inflight == 0 and not generation.closed
            if close:
                generation.closed = True
                self._retired.remove(generation)
        if close:
            generation.dispatcher.shutdown()


class _RegistrationRefused(Exception):
    def __init__(self, method: str, response: bytes) -> None:
        try:
            error = json.loads(response).get("error") or {}
            text = str(error.get("message") or response.decode(errors="replace"))
        except (ValueError, AttributeError):
            text = response.decode(errors="replace")
        super().__init__(f"the new code refused the last {method} CPA sent: {text}")


def _import_class(module_name: str, class_name: str, target: str) -> type[Plugin]:
    module = importlib.import_module(module_name)
    plugin_class = getattr(module, class_name, None)
    if plugin_class is None:
        raise PluginLoadError(f"module {module_name!r} has no {class_name!r} any more")
    if not (isinstance(plugin_class, type) and issubclass(plugin_class, Plugin)):
        raise PluginLoadError(f"{target!r} is not a cpa_sdk.Plugin subclass any more")
    return plugin_class


def _take_modules(top: str) -> dict[str, types.ModuleType]:
    """Remove ``top`` and its submodules from ``sys.modules``; return what was removed."""
    names = [name for name in sys.modules if name == top or name.startswith(top + ".")]
    return {name: sys.modules.pop(name) for name in names}


def _forget_bytecode(path: str) -> None:
    """Drop the cached bytecode of a changed file: an edit within the second that keeps the size
    would otherwise pass the ``.pyc``'s (mtime in seconds, size) check and run the old code."""
    try:
        os.unlink(importlib.util.cache_from_source(path))
    except (OSError, ValueError, NotImplementedError):
        pass


def _short(path: str, roots: list[Path]) -> str:
    for root in roots:
        base = root.parent
        try:
            return str(Path(path).relative_to(base))
        except ValueError:
            continue
    return os.path.basename(path)


def _registration_changes(old: type[Plugin], new: type[Plugin]) -> str:
    """What CPA will not see of the new class until it loads the library again, or ``""``."""
    parts = []
    old_flags = old.capability_flags().model_dump(exclude_defaults=True)
    new_flags = new.capability_flags().model_dump(exclude_defaults=True)
    if old_flags != new_flags:
        added = sorted(new_flags.keys() - old_flags.keys())
        removed = sorted(old_flags.keys() - new_flags.keys())
        altered = sorted(k for k in old_flags.keys() & new_flags.keys() if old_flags[k] != new_flags[k])
        detail = "; ".join(
            f"{label} {', '.join(keys)}"
            for label, keys in (("added", added), ("removed", removed), ("changed", altered))
            if keys
        )
        parts.append(f"capabilities changed ({detail})")
    if old.metadata() != new.metadata():
        parts.append("metadata changed (name, version or config fields)")
    if not parts:
        return ""
    return (
        " and ".join(parts)
        + ": CPA keeps the registration it read when it loaded the plugin; restart `cpa-sdk dev` for CPA to see them"
    )


def _reload_failure(module_name: str, exc: BaseException) -> str:
    context = f"reloading {module_name} failed, still serving the previous code"
    if isinstance(exc, SyntaxError):
        where = f" at {os.path.basename(exc.filename)}:{exc.lineno}" if exc.filename else ""
        detail = "".join(traceback.format_exception_only(exc)).rstrip("\n")
        return f"{context}: {type(exc).__name__}: {exc.msg}{where}\n{detail}"
    if isinstance(exc, (_RegistrationRefused, PluginLoadError)):
        return f"{context}: {exc}"
    return failure_message(context, _without_import_machinery(exc))


def _without_import_machinery(exc: BaseException) -> BaseException:
    """``exc`` with the ``<frozen importlib...>`` frames taken out of its traceback."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith("<frozen "):
            frames.append(tb)
        tb = tb.tb_next
    rebuilt: types.TracebackType | None = None
    for frame_tb in reversed(frames):
        rebuilt = types.TracebackType(rebuilt, frame_tb.tb_frame, frame_tb.tb_lasti, frame_tb.tb_lineno)
    return exc.with_traceback(rebuilt)
