"""candidate-probe: a scheduler that never picks and writes down what CPA offered it.

The server tests need the IDs CPA gives to ``codex-api-key`` credentials, to configure the
reference scheduler's ``auth_id``. Those IDs are CPA-internal hashes, so instead of recomputing
them the test asks the host: this plugin appends each ``scheduler.pick`` request's candidates
(``ID``, ``Provider`` and the non-sensitive ``Attributes`` such as ``base_url``) as one JSON line
to ``out``, in the keys of CPA's own request.
"""

from __future__ import annotations

import json

from pydantic import Field

from cpa_sdk import Plugin, PluginConfig, Scheduler
from cpa_sdk.wire import SchedulerPickRequest, SchedulerPickResponse


class Config(PluginConfig):
    out: str = Field("", description="File the candidates are appended to, one JSON line per pick.")


class CandidateProbe(Plugin[Config], Scheduler):
    plugin_id = "candidate-probe"
    name = "candidate-probe"
    version = "0.0.1"
    author = "cpa-sdk conformance tests"
    github_repository = "https://example.invalid/cpa-sdk/candidate-probe"
    schema_version = 3

    def pick_auth(self, request: SchedulerPickRequest) -> SchedulerPickResponse | None:
        out = self.config.out
        if out:
            candidates = [
                {"ID": c.id, "Provider": c.provider, "Attributes": dict(c.attributes or {})}
                for c in request.candidates or []
            ]
            line = json.dumps({"Model": request.model, "Candidates": candidates}, sort_keys=True)
            with open(out, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        return None
