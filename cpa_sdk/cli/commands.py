"""Imports every command module so that each registers itself on the ``main`` group."""

from cpa_sdk.cli import call, check, new, schema  # noqa: F401
from cpa_sdk.cli import build  # noqa: F401
from cpa_sdk.cli import dev  # noqa: F401
from cpa_sdk.cli import package  # noqa: F401
from cpa_sdk.cli import runtime  # noqa: F401
from cpa_sdk.cli import verify  # noqa: F401
