"""management-api: a menu resource that serves a one-line HTML page.

Port of CPA's generated ``examples/plugin/management-api``. ``management.register`` declares the
resource ``/status`` with menu "Management API"; ``management.handle`` serves
``<!doctype html><title>Management API</title><main>Management API resource</main>`` for any
request.

Difference from upstream: the resource description names the path CPA serves it under
(``ResourceBasePath`` from the host, else the loaded plugin ID) rather than a path compiled in.
"""

from __future__ import annotations

from typing import ClassVar

from cpa_sdk import ManagementAPI
from cpa_sdk.wire import (
    ManagementRegistrationRequest,
    ManagementRegistrationResponse,
    ManagementRequest,
    ManagementResponse,
)
from reference_plugins._generated import GeneratedExample, status_resource
from reference_plugins._html_page import html_response


class ManagementAPIExample(GeneratedExample, ManagementAPI, slug="management-api"):
    title: ClassVar[str] = "Management API"

    def register_management(self, request: ManagementRegistrationRequest) -> ManagementRegistrationResponse:
        return status_resource(self, request, self.title)

    def handle_management(self, request: ManagementRequest) -> ManagementResponse:
        return html_response(f"<!doctype html><title>{self.title}</title><main>{self.title} resource</main>")


PLUGIN = ManagementAPIExample
