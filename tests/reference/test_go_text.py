"""``reference_plugins._go_text.unmarshal_struct`` matches keys to fields with the SDK's own Go
folding (``cpa_sdk.wire.go_fold``), so a port decodes a body the way the wire models do."""

from __future__ import annotations

import pytest

from reference_plugins._go_text import unmarshal_struct

FIELDS = {"status": "string", "keep": "bool"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"STATUS":"a","Keep":true}', {"status": "a", "keep": True}),  # ASCII case
        ('{"\u017ftatus":"b"}'.encode(), {"status": "b"}),  # the long s folds onto s, as in Go
        ('{"\u212aeep":true}'.encode(), {"keep": True}),  # the Kelvin sign onto k
        ('{"\u00dftatus":"c"}'.encode(), {}),  # sharp s is not "ss"
    ],
)
def test_keys_fold_as_the_wire_models_fold_them(body: bytes, expected: dict[str, object]) -> None:
    assert unmarshal_struct(body, "example", FIELDS) == expected
