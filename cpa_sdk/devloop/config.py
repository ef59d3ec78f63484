"""The ``config.yaml`` of a development CPA: local only, the plugin enabled, logs on stdout.

``dev_config`` starts from the user's own CPA config when there is one (``--cpa-config``: its
providers, keys and settings are kept), sets what the dev loop needs, and puts the plugin's block
under ``plugins.configs.<id>``. Everything is done on YAML's node tree, not on decoded values, so
every scalar of the user's files keeps its text: the plugin gets ``mode: yes`` as CPA would read
the user's file, not a ``true`` a round trip through Python made of it.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import yaml

from cpa_sdk.devloop import DevLoopError

__all__ = ["client_key", "dev_config"]

OWNED = {"host": "127.0.0.1", "debug": True, "logging-to-file": False}
"""Top-level keys the dev loop sets whatever the base config says (the port is added)."""

DEFAULTS: dict[str, Any] = {
    "tls": {"enable": False},
    "remote-management": {"allow-remote": False, "disable-control-panel": True, "disable-auto-update-panel": True},
    "usage-statistics-enabled": False,
    "pprof": {"enable": False},
}
"""Top-level keys set only when the base config does not have them: nothing leaves the machine."""


def client_key(workdir: Path) -> str:
    """The client API key of this work directory: made once, kept in ``<workdir>/client-key``."""
    path = workdir / "client-key"
    if path.is_file():
        key = path.read_text().strip()
        if key:
            return key
    key = "dev-" + secrets.token_urlsafe(18)
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def dev_config(
    *,
    port: int,
    workdir: Path,
    plugin_id: str,
    key: str,
    plugin_block: bytes | None = None,
    base: bytes | None = None,
) -> str:
    """The text of ``<workdir>/config.yaml``.

    ``plugin_block`` is the plugin's YAML block (``-c``), ``base`` the text of a CPA config to start
    from; without ``plugin_block`` the base config's ``plugins.configs.<id>`` is used, if any.
    """
    root = _compose(base, "the CPA config") if base else yaml.MappingNode("tag:yaml.org,2002:map", [])
    for name, value in {**OWNED, "port": port}.items():
        _set(root, name, _node(value))
    for name, value in DEFAULTS.items():
        if _get(root, name) is None:
            _set(root, name, _node(value))
    if _get(root, "auth-dir") is None:
        _set(root, "auth-dir", _node(str(workdir / "auths")))
    keys = _get(root, "api-keys")
    if not isinstance(keys, yaml.SequenceNode):
        keys = yaml.SequenceNode("tag:yaml.org,2002:seq", [])
        _set(root, "api-keys", keys)
    if not any(isinstance(item, yaml.ScalarNode) and item.value == key for item in keys.value):
        keys.value.append(_node(key))

    plugins = _mapping(root, "plugins")
    _set(plugins, "enabled", _node(True))
    _set(plugins, "dir", _node(str(workdir / "plugins")))
    configs = _mapping(plugins, "configs")
    if plugin_block is not None:
        block = _compose(plugin_block, "the plugin config") if plugin_block.strip() else None
        _set(configs, plugin_id, block if block is not None else yaml.MappingNode("tag:yaml.org,2002:map", []))
    block_node = _mapping(configs, plugin_id)
    _set(block_node, "enabled", _node(True))
    return yaml.serialize(root, Dumper=yaml.SafeDumper)


def _compose(text: bytes, what: str) -> yaml.MappingNode:
    try:
        node = yaml.compose(text.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DevLoopError(f"{what} is not valid YAML: {exc}") from None
    if node is None:
        return yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(node, yaml.MappingNode):
        raise DevLoopError(f"{what} must be a YAML mapping")
    return node


def _node(value: Any) -> yaml.Node:
    return yaml.representer.SafeRepresenter(sort_keys=False).represent_data(value)


def _get(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for name, value in mapping.value:
        if isinstance(name, yaml.ScalarNode) and name.value == key:
            return value  # type: ignore[no-any-return]
    return None


def _set(mapping: yaml.MappingNode, key: str, value: yaml.Node) -> None:
    for index, (name, _) in enumerate(mapping.value):
        if isinstance(name, yaml.ScalarNode) and name.value == key:
            mapping.value[index] = (name, value)
            return
    mapping.value.append((_node(key), value))


def _mapping(parent: yaml.MappingNode, key: str) -> yaml.MappingNode:
    """``parent[key]`` as a mapping, made (or replacing a non-mapping such as ``null``) when needed."""
    node = _get(parent, key)
    if not isinstance(node, yaml.MappingNode):
        node = yaml.MappingNode("tag:yaml.org,2002:map", [])
        _set(parent, key, node)
    return node
