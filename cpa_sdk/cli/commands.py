"""Imports every command module so that each registers itself on the ``main`` group."""

from cpa_sdk.cli import build  # noqa: F401
