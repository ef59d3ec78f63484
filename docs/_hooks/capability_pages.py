"""mkdocs hook: one reference page per capability, generated from the code at build time.

The capability classes (``cpa_sdk.capabilities``) and the wire models (``cpa_sdk.wire``) are the
only source: methods, signatures, defaults and every request/response field with its JSON name
come from them, and each page ends with a worked example taken from ``reference_plugins``.
Nothing here is hand-copied, so the pages cannot drift from the SDK.
"""

from __future__ import annotations

import inspect
import types
import typing
from datetime import datetime, timedelta
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from cpa_sdk.capabilities import CAPABILITIES, Capability, WireMethod, capabilities_of
from cpa_sdk.wire._go import GoModel

SECTION = "Capabilities"


def page_path(key: str) -> str:
    return f"capabilities/{key}.md"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    pages = [{"Overview": "capabilities/index.md"}] + [{key: page_path(key)} for key in CAPABILITIES]
    config.nav = [
        ({SECTION: pages} if isinstance(item, dict) and SECTION in item else item) for item in config.nav or []
    ]
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, "capabilities/index.md", content=render_index()))
    for key, capability in CAPABILITIES.items():
        files.append(File.generated(config, page_path(key), content=render_capability(capability)))
    return files


def render_index() -> str:
    lines = [
        "# Capabilities",
        "",
        "A plugin class derives from `cpa_sdk.Plugin` and any of these capability classes. The",
        "registration's capability flags are derived from the bases; each `@wire` method answers one",
        "CPA method. Returning `None` answers `{}` (Go's zero value: not handled / unchanged).",
        "",
        "| capability class | registration key | CPA methods |",
        "|---|---|---|",
    ]
    for key, capability in CAPABILITIES.items():
        methods = ", ".join(f"`{m.name}`" for m in capability.capability_methods)
        lines.append(f"| [`{capability.__name__}`]({key}.md) | `{key}` | {methods} |")
    return "\n".join(lines) + "\n"


def render_capability(capability: type[Capability]) -> str:
    lines = [f"# {capability.__name__}", "", f"Registration key: `{capability.capability_key}`"]
    if capability.min_schema > 1:
        lines.append(f" (RPC schema {capability.min_schema} or newer)")
    lines += ["", inspect.getdoc(capability) or "", ""]
    settings = _class_settings(capability)
    if settings:
        lines += ["## Class attributes", "", "| attribute | default |", "|---|---|"]
        lines += [f"| `{name}` | `{value!r}` |" for name, value in settings]
        lines.append("")
    lines += ["## Methods", "", "| CPA method | implement | required |", "|---|---|---|"]
    for method in capability.capability_methods:
        lines.append(
            f"| `{method.name}` | `{method.signature()}` | {'yes' if method.required else 'no, has a default'} |"
        )
    lines.append("")
    for method in capability.capability_methods:
        lines += _render_method(method)
    lines += _render_example(capability)
    return "\n".join(lines) + "\n"


def _class_settings(capability: type[Capability]) -> list[tuple[str, Any]]:
    own = vars(capability)
    hints = typing.get_type_hints(capability)
    return [(name, own[name]) for name in own if name in hints and not name.startswith("_")]


def _render_method(method: WireMethod) -> list[str]:
    lines = [f"### `{method.name}`", "", method.doc or "", ""]
    if method.request is None:
        lines += ['The host sends `{}`; return the identifier string. The answer is `{"identifier": ...}`.', ""]
    else:
        lines += [f"**Request** `{method.request.__name__}`", "", *_fields_table(method.request), ""]
    if method.kind == "stream":
        lines += ["**Answer**: return `cpa_sdk.ExecutorStream`; the SDK answers `ExecutorStreamResponse`.", ""]
        from cpa_sdk.wire import ExecutorStreamResponse

        lines += [*_fields_table(ExecutorStreamResponse), ""]
    elif method.kind == "void":
        lines += ["**Answer**: none; the host ignores the result.", ""]
    elif method.response is not None:
        lines += [f"**Response** `{method.response.__name__}`", "", *_fields_table(method.response), ""]
    return lines


def _fields_table(model: type[GoModel]) -> list[str]:
    doc = inspect.getdoc(model) or ""
    rows = (
        [doc, "", "| JSON key | attribute | type | description |", "|---|---|---|---|"]
        if doc
        else [
            "| JSON key | attribute | type | description |",
            "|---|---|---|---|",
        ]
    )
    for name, info in model.model_fields.items():
        description = (info.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{info.alias or name}` | `{name}` | {_type_name(info.annotation)} | {description} |")
    return rows


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in typing.get_args(annotation))
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in typing.get_args(annotation))}]"
    if annotation is type(None):
        return "None"
    if annotation is bytes:
        return "bytes (base64)"
    if annotation is datetime:
        return "datetime (RFC 3339)"
    if annotation is timedelta:
        return "timedelta (ns)"
    if annotation is typing.Any:
        return "any JSON"
    if isinstance(annotation, type) and issubclass(annotation, GoModel):
        return f"`{annotation.__name__}`"
    return getattr(annotation, "__name__", str(annotation))


def _render_example(capability: type[Capability]) -> list[str]:
    from reference_plugins.catalog import PLUGINS

    for example, plugin in PLUGINS.items():
        if capability in capabilities_of(plugin):
            source = inspect.getsource(inspect.getmodule(plugin))  # type: ignore[arg-type]
            return [
                "## Worked example",
                "",
                f"The `{example}` reference plugin (`{plugin.__module__}`):",
                "",
                "```python",
                source.rstrip(),
                "```",
                "",
            ]
    return []
