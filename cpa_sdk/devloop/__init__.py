"""The pieces of ``cpa-sdk dev``: CPA's config, a CPA binary, the CPA process and its log.

* ``config``: the ``config.yaml`` a development CPA runs with (``dev_config``);
* ``cpa``: where the CPA binary comes from: ``--cpa``, or built once from the Go module;
* ``process``: CPA as a child process that stops when ``cpa-sdk dev`` stops;
* ``logview``: CPA's log split into records, and the plugin's records picked out.

The reloading itself happens inside CPA, in ``cpa_sdk.dev_reload``.
"""

from __future__ import annotations

__all__ = ["DevLoopError"]


class DevLoopError(Exception):
    """``cpa-sdk dev`` cannot go on; the message says what to do."""
