"""The ctypes mirror of the ABI (``cpa_sdk.testing.abi``) matches ``cpa_abi.h``, the one C
declaration of it: a small C program prints every struct's size and field offsets as gcc lays
them out, and ctypes must agree field for field."""

from __future__ import annotations

import ctypes
import json
import subprocess
from pathlib import Path

from cpa_sdk import abi_bridge
from cpa_sdk.testing import abi

STRUCTS = {"cliproxy_buffer": abi.Buffer, "cliproxy_host_api": abi.HostAPI, "cliproxy_plugin_api": abi.PluginAPI}


def _layout_program() -> str:
    lines = [
        "#include <stddef.h>",
        "#include <stdio.h>",
        '#include "cpa_abi.h"',
        "int main(void) {",
        '    printf("{\\"version\\": %u", CPA_ABI_VERSION);',
    ]
    for name, mirror in STRUCTS.items():
        lines.append(f'    printf(", \\"{name}\\": [%zu", sizeof({name}));')
        lines += [f'    printf(", %zu", offsetof({name}, {field}));' for field, _ in mirror._fields_]
        lines.append('    printf("]");')
    lines += ['    printf("}\\n");', "    return 0;", "}"]
    return "\n".join(lines) + "\n"


def _c_layout(tmp_path: Path) -> dict[str, object]:
    source, binary = tmp_path / "layout.c", tmp_path / "layout"
    source.write_text(_layout_program())
    with abi_bridge.directory() as headers:
        subprocess.run(
            ["gcc", "-std=gnu11", "-Wall", "-Werror", f"-I{headers}", "-o", str(binary), str(source)], check=True
        )
    return json.loads(subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout)


def test_ctypes_mirror_has_the_header_layout(tmp_path: Path) -> None:
    expected: dict[str, object] = {"version": abi.ABI_VERSION}
    for name, mirror in STRUCTS.items():
        expected[name] = [ctypes.sizeof(mirror), *(getattr(mirror, field).offset for field, _ in mirror._fields_)]
    assert _c_layout(tmp_path) == expected
