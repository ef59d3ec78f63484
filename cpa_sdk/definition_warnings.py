"""Names in a plugin class that look like a hook CPA calls, but are not one.

CPA calls a plugin only through the methods its capability classes define, and an optional hook
spelt wrong (``intercept_before`` for ``intercept_request_before``) is a method nobody calls: the
plugin loads, ``check`` passes and the hook silently never runs. The names are compared with every
hook the SDK knows, so a method of a capability the class does not derive from is caught too.
"""

from __future__ import annotations

import inspect
from typing import Final

from cpa_sdk.capabilities import Capability

__all__ = ["PluginDefinitionWarning", "misspelt_hooks"]

SIMILARITY: Final = 0.8
"""How alike (difflib's ratio) a name must be to a hook to be taken for a misspelling of it."""


class PluginDefinitionWarning(UserWarning):
    """A plugin class that CPA loads, but that does not do what its author probably meant."""


def misspelt_hooks(cls: type, plugin_base: type) -> list[str]:
    """A warning for each public method of ``cls`` that is no hook and looks like one."""
    hooks = _hooks_by_name(plugin_base)
    inherited = {name for base in cls.__mro__[1:] for name in vars(base)}
    warnings = []
    for name, value in vars(cls).items():
        if name.startswith("_") or name in inherited or name in hooks or not inspect.isfunction(value):
            continue
        import difflib  # only for a class with methods of its own beside the hooks

        guess = difflib.get_close_matches(name, list(hooks), n=1, cutoff=SIMILARITY)
        if not guess:
            continue
        owner = hooks[guess[0]]
        if issubclass(cls, owner):
            hint = f"did you mean {guess[0]!r}?"
        else:
            hint = f"did you mean {owner.__name__}.{guess[0]} (derive from {owner.__name__})?"
        warnings.append(f"{cls.__qualname__}.{name} is not a method CPA calls; {hint}")
    return warnings


def _hooks_by_name(plugin_base: type) -> dict[str, type]:
    hooks: dict[str, type] = {}
    for owner in (plugin_base, *_capability_classes()):
        for name, value in vars(owner).items():
            if not name.startswith("_") and callable(value):
                hooks.setdefault(name, owner)
    return hooks


def _capability_classes() -> list[type[Capability]]:
    return Capability.__subclasses__()
