"""The catalog of ports: complete, one plugin class per module, and documented as it is."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

import reference_plugins
from cpa_sdk import Plugin
from reference_plugins import _docs
from reference_plugins.catalog import MODULES, PLUGINS, host_callbacks, target

UPSTREAM_EXAMPLES = {
    "simple",
    "model",
    "auth",
    "frontend-auth",
    "frontend-auth-exclusive",
    "executor",
    "protocol-format",
    "request-translator",
    "request-normalizer",
    "response-translator",
    "response-normalizer",
    "thinking",
    "usage",
    "cli",
    "management-api",
    "host-callback",
    "codex-service-tier",
    "scheduler",
    "host-callback-auth-files",
    "host-model-callback",
    "request-lifecycle",
    "claude-web-search-router",
}
TESTS = Path(__file__).resolve().parent


def test_catalog_holds_every_upstream_example_with_distinct_ids() -> None:
    assert set(PLUGINS) == UPSTREAM_EXAMPLES
    ids = [plugin.plugin_id for plugin in PLUGINS.values()]
    assert len(set(ids)) == len(ids) == len(UPSTREAM_EXAMPLES)


def test_every_public_module_is_one_catalogued_plugin() -> None:
    catalogued = {module.__name__ for module in MODULES.values()}
    for info in pkgutil.iter_modules(reference_plugins.__path__):
        if info.name.startswith("_") or info.name == "catalog":
            continue
        module = importlib.import_module(f"reference_plugins.{info.name}")
        assert module.__name__ in catalogued, f"{module.__name__} is not in the catalog"
        defined = {
            cls
            for part in _modules_of(module)
            for _, cls in inspect.getmembers(part, inspect.isclass)
            if cls.__module__ == part.__name__ and issubclass(cls, Plugin)
        }
        assert defined == {module.PLUGIN}, f"{module.__name__} defines {defined}, exports {module.PLUGIN}"


def _modules_of(module: ModuleType) -> list[ModuleType]:
    """``module``, and every module inside it when it is a package (a port of many files)."""
    inside = pkgutil.walk_packages(getattr(module, "__path__", []), prefix=f"{module.__name__}.")
    return [module, *(importlib.import_module(info.name) for info in inside)]


def test_build_targets_import_back_to_the_classes() -> None:
    for name, plugin in PLUGINS.items():
        module_name, _, class_name = target(name).partition(":")
        assert getattr(importlib.import_module(module_name), class_name) is plugin


def test_only_the_host_callback_examples_declare_callbacks() -> None:
    calling = {name for name in PLUGINS if host_callbacks(name)}
    assert calling == {"host-callback", "host-callback-auth-files", "host-model-callback", "claude-web-search-router"}


def test_every_port_has_its_test_module_and_golden_vectors(golden: dict[str, Any]) -> None:
    for name in MODULES:
        test_file = TESTS.parent.parent / _docs.replaying_tests(name)
        assert test_file.is_file(), f"{name}: {test_file} is missing"
        key = _docs.golden_key(name)
        section, _, entry = key.partition("/")
        assert (entry in golden[section]) if entry else (section in golden), f"{name}: no golden {key}"
        assert (entry or section) in test_file.read_text(), f"{test_file.name} does not replay {key}"


def test_docs_page_is_generated_from_the_catalog() -> None:
    assert _docs.PAGE.read_text() == _docs.render(), (
        "docs/reference-plugins.md is stale: run python -m reference_plugins._docs"
    )
