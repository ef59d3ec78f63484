"""The entry point the C shim calls when CPA initialises a built plugin ``.so``.

Kept tiny on purpose: everything here runs inside ``cliproxy_plugin_init``, on a host thread,
while CPA waits. The shim records ``target`` (``package.module:Class``) at build time and hands
over its own path and a callable that performs host callbacks.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from cpa_sdk._startup import paused_gc
from cpa_sdk.dispatch import Dispatcher
from cpa_sdk.errors import PluginLoadError
from cpa_sdk.failure_log import failure_message
from cpa_sdk.host import HostTransport
from cpa_sdk.plugin import Plugin
from cpa_sdk.plugin_files import plugin_id_from_path

__all__ = ["bundled_version", "import_plugin", "load"]


def load(so_path: str, target: str, host_call: HostTransport) -> Dispatcher:
    """Create the dispatcher that serves the plugin loaded from ``so_path``."""
    with paused_gc():  # the plugin's import makes classes, not garbage (cpa_sdk._startup)
        plugin_class = import_plugin(target)
    dispatcher = Dispatcher(plugin_class, host_call)
    dispatcher.plugin.loaded_id = plugin_id_from_path(so_path) or dispatcher.plugin_class.plugin_id
    dispatcher.registered_version = bundled_version(dispatcher.plugin_class)
    return dispatcher


def bundled_version(plugin_class: type) -> str:
    """The version a bundle was built as (``cpa-sdk package --version``), empty outside bundles.

    CPA's store names the installed file after the package's version; the plugin registers the
    same one, so CPA's management API and the file never disagree. A bundle's code runs from
    ``<payload>/site/``, its manifest beside that (``cpa_sdk/build/bundle.py``). The plugin's
    module says which payload: two versions of one plugin in a process share the first one's SDK.
    """
    module_file = getattr(sys.modules.get(plugin_class.__module__), "__file__", None)
    if not module_file:
        return ""
    for directory in Path(module_file).resolve().parents:
        manifest = directory.parent / "cpa_bundle.json"
        if directory.name == "site" and manifest.is_file():
            try:
                version = json.loads(manifest.read_text()).get("version", "")
            except (OSError, ValueError, AttributeError):
                return ""
            return version if isinstance(version, str) else ""
    return ""


def import_plugin(target: str) -> type[Plugin]:
    """Resolve ``package.module:Class`` to a plugin class, with an error that says what is wrong."""
    module_name, sep, class_name = target.partition(":")
    if not sep or not module_name or not class_name:
        raise PluginLoadError(f"plugin target {target!r} must look like 'package.module:ClassName'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginLoadError(f"cannot import plugin module {module_name!r}: {exc}") from exc
    except PluginLoadError:
        raise  # a plugin class that is not valid: its message says how to fix it
    except Exception as exc:  # noqa: BLE001 - any failure of the module's own code
        raise PluginLoadError(failure_message(f"importing plugin module {module_name!r} failed", exc)) from exc
    plugin_class = getattr(module, class_name, None)
    if plugin_class is None:
        defined = sorted(
            name
            for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, Plugin) and value.__module__ == module.__name__
        )
        raise PluginLoadError(
            f"module {module_name!r} has no {class_name!r}; its plugin classes: {', '.join(defined) or 'none'}"
        )
    if not (isinstance(plugin_class, type) and issubclass(plugin_class, Plugin)):
        raise PluginLoadError(f"{target!r} is not a cpa_sdk.Plugin subclass")
    return plugin_class
