"""The machine a shipped plugin runs on, and the C compiler that targets it.

CPA's plugin-capable Linux releases run on amd64 and arm64 with glibc 2.17 or newer. A library
linked on this machine's glibc asks for this machine's symbol versions (``GLIBC_2.34`` for
``__libc_start_main`` on Debian 12) and does not even load on an older one. zig's C compiler
carries the headers and link stubs of every glibc release, so ``zig cc -target
aarch64-linux-gnu.2.17`` compiles for an older glibc, and for another architecture, with one
tool from PyPI (the ``ziglang`` package, in the ``ship`` extra); nothing else is needed.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
from dataclasses import dataclass
from typing import Final

from cpa_sdk.build.spec import BuildError

__all__ = ["DEFAULT_GLIBC", "GOARCH_MACHINES", "Target", "host_goarch", "parse_glibc", "zig_command"]

DEFAULT_GLIBC: Final = (2, 17)
"""CPA's own baseline: its Linux release binaries need glibc 2.17."""

GOARCH_MACHINES: Final = {"amd64": "x86_64", "arm64": "aarch64"}
"""Go's architecture names (CPA's store paths) -> the GNU machine names (triples, wheel tags)."""


def parse_glibc(text: str) -> tuple[int, int]:
    """``"2.17"`` -> ``(2, 17)``, or ``BuildError``."""
    major, sep, minor = text.strip().partition(".")
    if not (sep and major.isdigit() and minor.isdigit()):
        raise BuildError(f"glibc version {text!r} is not MAJOR.MINOR (for example 2.17)")
    return int(major), int(minor)


def host_goarch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


@dataclass(frozen=True)
class Target:
    """A Linux machine a bundle is built for: Go's architecture name and the oldest glibc."""

    goarch: str = "amd64"
    glibc: tuple[int, int] = DEFAULT_GLIBC

    def __post_init__(self) -> None:
        if self.goarch not in GOARCH_MACHINES:
            raise BuildError(
                f"unsupported architecture {self.goarch!r}: bundles target linux "
                f"{' and '.join(sorted(GOARCH_MACHINES))}"
            )

    @classmethod
    def host(cls, glibc: tuple[int, int] = DEFAULT_GLIBC) -> Target:
        return cls(host_goarch(), glibc)

    @property
    def machine(self) -> str:
        """``x86_64`` or ``aarch64``."""
        return GOARCH_MACHINES[self.goarch]

    @property
    def glibc_text(self) -> str:
        return f"{self.glibc[0]}.{self.glibc[1]}"

    @property
    def triple(self) -> str:
        """The GNU triple, as configure's ``--host`` takes it."""
        return f"{self.machine}-linux-gnu"

    @property
    def zig_target(self) -> str:
        """zig's ``-target``: the triple with the glibc version to link against."""
        return f"{self.triple}.{self.glibc_text}"

    @property
    def is_host(self) -> bool:
        return self.goarch == host_goarch()

    @property
    def name(self) -> str:
        """A stable directory name, e.g. ``x86_64-linux-gnu.2.17``."""
        return self.zig_target

    def cc(self) -> list[str]:
        """The command of a C compiler for this target."""
        return [*zig_command(), "cc", "-target", self.zig_target]


def zig_command() -> list[str]:
    """How to run zig from the ``ziglang`` package installed beside cpa-sdk."""
    if importlib.util.find_spec("ziglang") is None:
        raise BuildError(
            "building for CPA's machines needs zig's C compiler, from the ziglang package: "
            "pip install 'cpa-sdk[ship]' (or pip install ziglang)"
        )
    return [sys.executable, "-m", "ziglang"]
