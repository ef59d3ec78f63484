"""The HTML resource pages of the upstream examples, byte for byte.

``host-callback-auth-files`` and ``host-model-callback`` render the same page: a title, a
``<dl>`` of the options in force, then sections (an error, a result) in ``<pre>`` blocks. Every
value is escaped with Go's ``html.EscapeString``. Both read their options from a JSON body and
then the query, and answer 400 when they cannot (``BadOptions``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cpa_sdk.wire import ManagementResponse
from reference_plugins._go_text import GoType, html_escape, unmarshal_struct

__all__ = ["HTML_CONTENT_TYPE", "BadOptions", "StatusPage", "html_response", "read_body_options"]

HTML_CONTENT_TYPE: Final = "text/html; charset=utf-8"

STYLE: Final = (
    'body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",sans-serif;margin:2rem;line-height:1.45;'
    "color:#1f2933}code,pre{background:#f3f4f6;border-radius:6px}code{padding:.1rem .3rem}"
    "pre{padding:1rem;overflow:auto;white-space:pre-wrap}dl{display:grid;grid-template-columns:max-content 1fr;"
    "gap:.35rem 1rem}dt{font-weight:600}dd{margin:0}.error{color:#b42318}"
)


def html_response(page: str | bytes, status_code: int = 200) -> ManagementResponse:
    """A ``management.handle`` answer serving ``page`` as HTML (lower-case header key, as upstream)."""
    body = page.encode() if isinstance(page, str) else page
    return ManagementResponse(status_code=status_code, headers={"content-type": [HTML_CONTENT_TYPE]}, body=body)


@dataclass
class StatusPage:
    """A titled page: a definition list of settings, then ``<h2>`` sections."""

    title: str
    _rows: list[str] = field(default_factory=list)
    _sections: list[str] = field(default_factory=list)

    def row(self, name: str, value: str) -> None:
        self._rows.append(f"<dt>{html_escape(name)}</dt><dd><code>{html_escape(value)}</code></dd>")

    def section(self, heading: str, text: str, *, error: bool = False) -> None:
        css = ' class="error"' if error else ""
        self._sections.append(f"<h2>{html_escape(heading)}</h2><pre{css}>{html_escape(text)}</pre>")

    def raw_section(self, html: str) -> None:
        """Append markup as it is (fixed, trusted text only)."""
        self._sections.append(html)

    def render(self) -> bytes:
        title = html_escape(self.title)
        return (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title><style>{STYLE}</style></head>'
            f"<body><main><h1>{title}</h1><dl>{''.join(self._rows)}</dl>{''.join(self._sections)}</main></body></html>"
        ).encode()


class BadOptions(ValueError):
    """Options that cannot be read: the page is answered with status 400."""


def read_body_options(body: bytes, struct: str, fields: Mapping[str, GoType]) -> dict[str, Any]:
    """The options of a JSON request body, read as Go reads it into upstream's options struct."""
    try:
        return unmarshal_struct(body, struct, fields)
    except ValueError as exc:
        raise BadOptions(f"decode JSON request body: {exc}") from None
