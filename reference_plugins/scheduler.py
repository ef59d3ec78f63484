"""scheduler: pick a configured auth, delegate to a built-in strategy, or deny.

Port of CPA's ``examples/plugin/scheduler``. ``auth_id`` selects that candidate when present;
``delegate`` (``fill-first`` or ``round-robin``, exact case) hands the pick to CPA's built-in
scheduler; ``deny`` rejects every pick with an error, which fails the request.
"""

from __future__ import annotations

from typing import get_args

from pydantic import Field, field_validator

from cpa_sdk import Plugin, PluginConfig, PluginError, Scheduler
from cpa_sdk.wire import (
    SCHEDULER_BUILTIN_FILL_FIRST,
    SCHEDULER_BUILTIN_ROUND_ROBIN,
    SchedulerBuiltin,
    SchedulerPickRequest,
    SchedulerPickResponse,
)
from reference_plugins._upstream import UpstreamMetadata


class Config(PluginConfig):
    auth_id: str = Field("", description="Selects this auth ID when it is present in the scheduler candidates.")
    # Upstream accepts any text here and treats unknown values as "not handled"; so do we.
    delegate: str = Field(
        "",
        description="Delegates selection to a built-in scheduler when set to fill-first or round-robin.",
        json_schema_extra={"enum": ["", SCHEDULER_BUILTIN_FILL_FIRST, SCHEDULER_BUILTIN_ROUND_ROBIN]},
    )
    deny: bool = Field(False, description="Rejects scheduler picks with an explicit error when enabled.")

    @field_validator("auth_id", "delegate")
    @classmethod
    def _trim(cls, value: str) -> str:
        return value.strip()


class SchedulerExample(UpstreamMetadata, Plugin[Config], Scheduler):
    plugin_id = name = "scheduler"

    def pick_auth(self, request: SchedulerPickRequest) -> SchedulerPickResponse | None:
        config = self.config
        if config.deny:
            raise PluginError("scheduler_denied", "scheduler pick denied by plugin configuration")
        if config.delegate:
            if config.delegate in get_args(SchedulerBuiltin):
                return SchedulerPickResponse(delegate_builtin=config.delegate, handled=True)
            return None
        candidates = {candidate.id for candidate in request.candidates or []}
        if config.auth_id and config.auth_id in candidates:
            return SchedulerPickResponse(auth_id=config.auth_id, handled=True)
        return None


PLUGIN = SchedulerExample
