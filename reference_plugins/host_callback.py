"""host-callback: the management-api page, after calling back into the host.

Port of CPA's generated ``examples/plugin/host-callback``. Host callbacks are made from plugin
methods, so this is the management-api example (menu "Host Callback") whose
``management.handle`` first writes an info line to CPA's log (``host.log``, field
``plugin``) and then fetches ``https://example.com`` through CPA's HTTP client
(``host.http.do``, with a ``user-agent`` header naming the plugin). Both are fire and forget:
their answers, errors included, change nothing in the page.
"""

from __future__ import annotations

from typing import Final

from cpa_sdk import HostError
from cpa_sdk.wire import ManagementRequest, ManagementResponse
from reference_plugins.management_api import ManagementAPIExample

HOST_CALLBACKS: Final = ("host.log", "host.http.do")


class HostCallbackExample(ManagementAPIExample, slug="host-callback"):
    title = "Host Callback"

    def handle_management(self, request: ManagementRequest) -> ManagementResponse:
        self.host.log(f"{self.pid} host callback log", level="info", plugin=self.pid)
        try:
            self.host.http("GET", "https://example.com", headers={"user-agent": [self.pid]})
        except HostError:
            pass
        return super().handle_management(request)


PLUGIN = HostCallbackExample
