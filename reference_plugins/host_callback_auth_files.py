"""host-callback-auth-files: a status page that lists, reads and saves auth files through the host.

Port of CPA's ``examples/plugin/host-callback-auth-files`` (Go only). Its ``/status`` resource
("Host Auth Files") runs one ``host.auth.*`` callback and shows the outcome as an HTML page:

* ``op=list`` (the default): ``host.auth.list``;
* ``op=get&auth_index=…``: ``host.auth.get``, the auth file's JSON;
* ``op=runtime&auth_index=…`` (or ``get_runtime``): ``host.auth.get_runtime``, the runtime record;
* ``op=save&name=….json&json=…``: ``host.auth.save``.

Options come from a JSON body (``Op``, ``AuthIndex``, ``Name``, ``JSON``, matched as Go matches
untagged fields, so ``auth_index`` is not ``AuthIndex``), then from the query. A body or query
``json`` that is not JSON answers 400; a missing argument, an unknown op or a failed callback is
shown on a 200 page, the host's error as ``<code>: <message>``.

Results are shown as Go's ``json.MarshalIndent`` of upstream's typed results: an auth entry's
empty fields are left out, except its name and its five times (zero as
``0001-01-01T00:00:00Z``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from cpa_sdk import HostError, ManagementAPI, Plugin
from cpa_sdk.config import NoConfig
from cpa_sdk.wire import (
    HostAuthFileEntry,
    ManagementRequest,
    ManagementResponse,
)
from reference_plugins._go_text import GoType, marshal_indent, quote, syntax_error
from reference_plugins._html_page import BadOptions, StatusPage, html_response, read_body_options
from reference_plugins._upstream import StatusResource, UpstreamMetadata, host_error_text

HOST_CALLBACKS: Final = ("host.auth.list", "host.auth.get", "host.auth.get_runtime", "host.auth.save")

USAGE: Final = (
    "<h2>Usage</h2><ul><li><code>?op=list</code></li>"
    "<li><code>?op=get&amp;auth_index=&lt;AUTH_INDEX&gt;</code></li>"
    "<li><code>?op=runtime&amp;auth_index=&lt;AUTH_INDEX&gt;</code></li>"
    "<li><code>?op=save&amp;name=example.json&amp;json=...</code></li></ul>"
)

BODY_FIELDS: Final[dict[str, GoType]] = {
    "Op": "string",
    "AuthIndex": "string",
    "Name": "string",
    "JSON": "json.RawMessage",
}

GO_ZERO_TIME: Final = "0001-01-01T00:00:00Z"
# Upstream re-marshals the host's entries: every field is omitempty except these (times are
# structs, which omitempty never drops).
ALWAYS_SHOWN: Final = frozenset({"name", "modtime", "updated_at", "created_at", "last_refresh", "next_retry_after"})
TIMES: Final = ALWAYS_SHOWN - {"name"}


class OpFailed(ValueError):
    """The op cannot run (missing argument, unknown op): shown on a 200 page."""


@dataclass
class Options:
    op: str = "list"
    auth_index: str = ""
    name: str = ""
    json: Any = None  # the auth JSON to save, parsed; None when not given

    def read(self, request: ManagementRequest) -> None:
        """Apply the JSON body, then the query; stop at the first unreadable one."""
        if request.body:
            body = read_body_options(request.body, "authFilesRequest", BODY_FIELDS)
            self._apply(body.get("Op", ""), body.get("AuthIndex", ""), body.get("Name", ""))
            raw_json = body.get("JSON", b"null")
            if raw_json != b"null":
                self.json = json.loads(raw_json)
        query = request.query or {}
        self._apply(*(_first(query, key) for key in ("op", "auth_index", "name")))
        raw_query_json = _first(query, "json").strip()
        if raw_query_json:
            if syntax_error(raw_query_json.encode()) is not None:
                raise BadOptions("query json must be valid JSON")
            self.json = json.loads(raw_query_json)

    def _apply(self, op: str, auth_index: str, name: str) -> None:
        if op.strip():
            self.op = op.strip().lower()
        if auth_index.strip():
            self.auth_index = auth_index.strip()
        if name.strip():
            self.name = name.strip()


class HostCallbackAuthFiles(UpstreamMetadata, StatusResource, Plugin[NoConfig], ManagementAPI):
    plugin_id = name = "host-callback-auth-files"
    resource_menu = "Host Auth Files"
    resource_description = "Lists auth files and demonstrates host.auth list/get/runtime/save callbacks."

    def handle_management(self, request: ManagementRequest) -> ManagementResponse:
        options = Options()
        try:
            options.read(request)
        except BadOptions as exc:
            return render(options, error=str(exc), status_code=400)
        try:
            result = self.run(options)
        except OpFailed as exc:
            return render(options, error=str(exc))
        except HostError as exc:
            return render(options, error=host_error_text(exc))
        return render(options, result=result)

    def run(self, options: Options) -> dict[str, Any]:
        """Make the op's host callback; return its result as upstream's typed result marshals."""
        op = options.op
        if op in ("", "list"):
            return {"files": [go_entry(entry) for entry in self.host.auth_list()]}
        if op == "get":
            got = self.host.auth_get(_required(options.auth_index, "auth_index", op))
            shown: dict[str, Any] = {"auth_index": got.auth_index}
            shown.update({key: value for key, value in (("name", got.name), ("path", got.path)) if value})
            return shown | {"json": got.json}
        if op in ("runtime", "get_runtime"):
            return {
                "auth": go_entry(self.host.auth_get_runtime(_required(options.auth_index, "auth_index", "runtime")))
            }
        if op == "save":
            name = _required(options.name, "name", op)
            if options.json is None:
                raise OpFailed("json is required for op=save")
            saved = self.host.auth_save(name, options.json)
            return {"name": saved.name, "path": saved.path}
        raise OpFailed(f"unknown op {quote(op)}: use list, get, runtime, or save")


def render(
    options: Options, *, result: dict[str, Any] | None = None, error: str = "", status_code: int = 200
) -> ManagementResponse:
    page = StatusPage("Host Auth Files")
    page.row("op", options.op)
    if options.auth_index:
        page.row("auth_index", options.auth_index)
    if options.name:
        page.row("name", options.name)
    if error:
        page.section("Error", error, error=True)
    if result is not None:
        page.section("Result", marshal_indent(result))
    page.raw_section(USAGE)
    return html_response(page.render(), status_code)


def go_entry(entry: HostAuthFileEntry) -> dict[str, Any]:
    """An auth entry as upstream's ``HostAuthFileEntry`` marshals: Go field order, omitempty."""
    dumped = entry.model_dump(mode="json", by_alias=True)
    shown: dict[str, Any] = {}
    for info in type(entry).model_fields.values():
        key = info.alias or ""
        value = dumped.get(key)
        if key in TIMES:
            shown[key] = value or GO_ZERO_TIME
        elif key in ALWAYS_SHOWN or value not in (None, "", 0, False, [], {}):
            shown[key] = value
    return shown


def _first(query: dict[str, list[str]], key: str) -> str:
    values = query.get(key) or [""]
    return values[0]


def _required(value: str, name: str, op: str) -> str:
    if not value:
        raise OpFailed(f"{name} is required for op={op}")
    return value


PLUGIN = HostCallbackAuthFiles
