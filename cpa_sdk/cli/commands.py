"""Imports every command module so that each registers itself on the ``main`` group."""

from cpa_sdk.cli import (  # noqa: F401
    build,  # noqa: F401
    build_all,  # noqa: F401
    call,
    check,
    dev,  # noqa: F401
    new,
    package,  # noqa: F401
    runtime,  # noqa: F401
    schema,
    verify,  # noqa: F401
)
