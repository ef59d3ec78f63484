"""Reads the CPA Go source (from the Go module cache) just enough to compare it with the wire
models: struct fields with their JSON names and Go types, ``pluginabi`` method constants, and
which request and result types each method uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_STRUCT = re.compile(r"^type (\w+) struct \{\n(.*?)^\}", re.M | re.S)
_EMPTY_STRUCT = re.compile(r"^type (\w+) struct\s*\{\}", re.M)
_FIELD = re.compile(r'^(\w+)\s+(.+?)\s*(?:`json:"([^"]*)"`)?$')
_EMBEDDED = re.compile(r"^([\w.]+)$")
_FUNC = re.compile(r"^func (?:\([^)]*\) )?(\w+)(?:\[[^\]]*\])?\(([^)]*)\)", re.M)


@dataclass(frozen=True)
class GoField:
    name: str  # Go field name, or the type name for an embedded field
    type: str  # Go type as written, package prefix included
    tag: str | None  # JSON name from the tag, None when untagged
    embedded: bool
    omitempty: bool = False

    @property
    def json_name(self) -> str:
        return self.tag or self.name


def structs(source: str) -> dict[str, list[GoField]]:
    """Every struct type declared in ``source``, with its fields in declaration order."""
    found: dict[str, list[GoField]] = {name: [] for name in _EMPTY_STRUCT.findall(source)}
    for name, body in _STRUCT.findall(source):
        fields: list[GoField] = []
        for raw in body.splitlines():
            line = raw.strip()
            if not line or line.startswith("//"):
                continue
            if match := _EMBEDDED.match(line):
                fields.append(GoField(match[1].split(".")[-1], match[1], None, True))
                continue
            match = _FIELD.match(line)
            assert match, f"cannot read field {line!r} of {name}"
            options = (match[3] or "").split(",")
            fields.append(GoField(match[1], match[2], options[0] or None, False, "omitempty" in options[1:]))
        found[name] = fields
    return found


def method_constants(source: str) -> dict[str, str]:
    """``Method*`` constant name -> method name."""
    return dict(re.findall(r'^\s*(Method\w+)\s*=\s*"([^"]+)"', source, re.M))


def _enclosing_function(source: str, position: int) -> tuple[str, str, str]:
    """Name, parameter list and body text of the function containing ``position``."""
    starts = [m for m in _FUNC.finditer(source) if m.start() <= position]
    match = starts[-1]
    following = _FUNC.search(source, position)
    end = following.start() if following else len(source)
    return match[1], match[2], source[match.start() : end]


@dataclass(frozen=True)
class PluginCall:
    method_expr: str  # "pluginabi.MethodX", or a variable holding the method
    function: str  # enclosing Go function
    request_type: str  # Go type of the request value
    response_type: str  # Go type the result is decoded into


_CALL = re.compile(r"callPlugin\[([\w.]+)\]\(\s*[^,]+,\s*[^,]+,\s*([\w.]+),\s*(\w+)(\{)?")


def plugin_calls(source: str) -> list[PluginCall]:
    """Every ``callPlugin[...]`` call: how the host calls a plugin method."""
    calls = []
    for match in _CALL.finditer(source):
        response_type, method_expr, argument, brace = match.groups()
        function, params, body = _enclosing_function(source, match.start())
        if brace:
            request_type = argument
        else:
            typed = dict((n, t) for n, t in re.findall(r"(\w+) ([\w.*]+)", params))
            if argument in typed:
                request_type = typed[argument]
            else:
                local = re.search(rf"\b{argument} := ([\w.]+)\{{", body)
                assert local, f"cannot find the type of {argument} in {function}"
                request_type = local[1]
        calls.append(PluginCall(method_expr, function, request_type, response_type))
    return calls


@dataclass(frozen=True)
class HostCallback:
    constant: str  # pluginabi constant name
    handler: str  # Go function handling it
    request_type: str | None  # None when the request is not decoded into a struct
    response_type: str | None  # None when not visible in the handler


def host_callbacks(dispatch_source: str, handler_sources: str) -> list[HostCallback]:
    """How the host serves each ``host.*`` callback (``callFromPlugin``)."""
    callbacks = []
    for constant, handler in re.findall(r"case pluginabi\.(Method\w+):\s*return h\.(\w+)\(", dispatch_source):
        start = re.search(rf"^func \(h \*Host\) {handler}\(", handler_sources, re.M)
        assert start, handler
        _, _, body = _enclosing_function(handler_sources, start.end())
        request = re.search(r"var req ([\w.\[\]]+)", body)
        request_type = request[1] if request else None
        if "decodeHostHTTPRequestWithCallbackID(" in body:
            request_type = "rpcHostHTTPRequest"
        response = re.search(r"marshalRPCResult\(([\w.]+)\{", body)
        response_type = response[1] if response else None
        if response is None and (named := re.search(r"marshalRPCResult\((\w+)\)", body)):
            local = re.search(rf"\b{named[1]} := ([\w.]+)\{{", body)
            response_type = local[1] if local else None
        callbacks.append(HostCallback(constant, handler, request_type, response_type))
    return callbacks


def read(module_dir: Path, *paths: str) -> str:
    return "\n".join((module_dir / path).read_text() for path in paths)
