"""The turn (rule R12, ``cpa_sdk/abi_bridge/cpa_turn.c``) and its switch, ``CPA_SDK_TURN=off``.

The turn is a policy for which host thread runs Python next, invisible in a plugin's answers, so
its switch is shown on the policy itself: a small C program drives ``cpa_turn.c`` (which needs no
Python) the way the shim does and prints whether each call was given the turn. The shim with
the turn off answers many host threads as with it on (``test_abi_threads.py``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cpa_sdk import abi_bridge
from cpa_sdk.build.compiler import CFLAGS

DRIVER = r"""
#include <pthread.h>
#include <stdio.h>
#include "cpa_turn.h"

static int first, second; /* two host threads, known by these addresses */

static void *call_in(void *held) {
    turn_ticket ticket = turn_enter(&second);
    *(int *)held = ticket.held;
    turn_exit(&second, ticket);
    return NULL;
}

static int from_another_thread(void) {
    int held = -1;
    pthread_t thread;
    pthread_create(&thread, NULL, call_in, &held);
    pthread_join(thread, NULL);
    return held;
}

int main(void) {
    turn_init();
    turn_ticket ticket = turn_enter(&first);
    int while_held = from_another_thread(); /* the holder completes no call: the GIL path */
    turn_yield(&first);                     /* a host callback: the turn is free meanwhile */
    int while_away = from_another_thread();
    turn_exit(&first, ticket);
    printf("%d %d %d\n", ticket.held, while_held, while_away);
    return 0;
}
"""


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("turn")
    (out / "driver.c").write_text(DRIVER)
    binary = out / "driver"
    with abi_bridge.directory() as sources:
        subprocess.run(
            [
                "gcc",
                *CFLAGS,
                f"-I{sources}",
                str(out / "driver.c"),
                str(sources / "cpa_turn.c"),
                "-o",
                str(binary),
                "-lpthread",
            ],
            check=True,
        )
    return binary


def _given(driver: Path, monkeypatch: pytest.MonkeyPatch, value: str | None) -> list[int]:
    if value is None:
        monkeypatch.delenv("CPA_SDK_TURN", raising=False)
    else:
        monkeypatch.setenv("CPA_SDK_TURN", value)
    return [
        int(n)
        for n in subprocess.run([str(driver)], capture_output=True, text=True, check=True, timeout=60).stdout.split()
    ]


@pytest.mark.parametrize("value", [None, "on", ""])
def test_the_turn_is_on_by_default(driver: Path, monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    # a free turn is taken; a second thread waits, then takes the GIL path; a yielded turn is taken
    assert _given(driver, monkeypatch, value) == [1, 0, 1]


@pytest.mark.parametrize("value", ["off", "0"])
def test_cpa_sdk_turn_off_gives_every_call_the_gil_path(
    driver: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    assert _given(driver, monkeypatch, value) == [0, 0, 0]
