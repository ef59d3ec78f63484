"""CPA as a child process of ``cpa-sdk dev``: its output piped to us, its life bound to ours.

CPA runs in a session of its own, so the terminal's Ctrl-C reaches ``cpa-sdk dev`` alone, which
then stops CPA with SIGTERM and keeps reading its output until it exits: CPA's shutdown records
(and the plugin's ``on_shutdown``) are still shown. Should ``cpa-sdk dev`` die without that
chance (SIGKILL), Linux sends CPA a SIGTERM (``PR_SET_PDEATHSIG``): no orphan keeps the port.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Final

from cpa_sdk.devloop import DevLoopError

__all__ = ["CPAProcess"]

STOP_TIMEOUT: Final = 15.0
"""Seconds CPA gets to shut down after SIGTERM before it is killed."""

_PR_SET_PDEATHSIG: Final = 1


def _die_with_parent() -> Callable[[], None] | None:
    """The ``preexec_fn`` that has the kernel stop CPA when ``cpa-sdk dev`` goes, where there is one."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return preexec


class CPAProcess:
    """One CPA server started with ``-config <config>`` in ``workdir``."""

    def __init__(
        self, binary: Path, config: Path, workdir: Path, *, port: int, environ: Mapping[str, str] | None = None
    ) -> None:
        self.binary = binary
        self.config = config
        self.workdir = workdir
        self.port = port
        # The caller's environment (proxies, HOME: what the user's CPA would see), with gin's
        # route dump off unless asked for.
        self.env = {"GIN_MODE": "release", **(os.environ if environ is None else environ)}
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # -local-model: the embedded model catalogs, no fetch of remote ones on every restart.
        command = [str(self.binary), "-config", str(self.config), "-local-model"]
        try:
            self._proc = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent(),
            )
        except OSError as exc:
            raise DevLoopError(f"cannot start CPA ({self.binary}): {exc}") from None

    @property
    def pid(self) -> int:
        return self._running().pid

    def poll(self) -> int | None:
        """CPA's exit status, or ``None`` while it runs."""
        return self._running().poll()

    def lines(self) -> Iterator[str]:
        """CPA's output, line by line without the newline, until CPA closes it."""
        stream: IO[bytes] | None = self._running().stdout
        assert stream is not None
        for raw in iter(stream.readline, b""):
            yield raw.decode("utf-8", errors="replace").rstrip("\r\n")

    def healthy(self) -> bool:
        """Whether CPA answers ``GET /healthz`` on its port now."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; CPA's exit status."""
        proc = self._running()
        if proc.poll() is None:
            proc.terminate()
            try:
                return proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
        return proc.wait()

    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds for CPA to exit; its status, or ``None`` if it still runs."""
        try:
            return self._running().wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def _running(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            raise RuntimeError("CPA was not started")
        return self._proc
