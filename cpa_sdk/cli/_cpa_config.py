"""A plugin's block of CPA's whole ``config.yaml``, as CPA would send it.

``cpa-sdk check -c`` takes either the plugin's own block or CPA's file: CPA reads
``plugins.configs.<plugin id>`` and sends that block re-serialised. The block is cut out of the
YAML node tree, not decoded and dumped again, so every scalar keeps its text (``mode: yes`` stays
the text ``yes`` for a string field, as yaml.v3 keeps it).
"""

from __future__ import annotations

import yaml

__all__ = ["plugin_block"]


def plugin_block(config_yaml: bytes, plugin_id: str) -> tuple[bytes, str | None]:
    """The bytes to configure ``plugin_id`` with, and where they came from.

    ``(config_yaml, None)`` when the file is not CPA's (no top-level ``plugins.configs``);
    raises ``LookupError`` when it is CPA's and has no block for the plugin.
    """
    try:
        root = yaml.compose(config_yaml.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return config_yaml, None  # the plugin's own decoder reports what is wrong with it
    configs = _child(_child(root, "plugins"), "configs")
    if configs is None:
        return config_yaml, None
    block = _child(configs, plugin_id)
    if block is None:
        present = [key.value for key, _ in configs.value] if isinstance(configs, yaml.MappingNode) else []
        raise LookupError(
            f"CPA's config has no plugins.configs.{plugin_id} block (it has: {', '.join(present) or 'none'})"
        )
    return yaml.serialize(block).encode(), f"plugins.configs.{plugin_id}"


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for name, value in node.value:
        if isinstance(name, yaml.ScalarNode) and name.value == key:
            return value  # type: ignore[no-any-return]
    return None
