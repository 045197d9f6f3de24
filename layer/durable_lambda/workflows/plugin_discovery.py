"""Plugins selected through the environment (the official SDK's ``plugin_discovery``).

``DURABLE_EXECUTION_PLUGINS="name[,name...]"`` names plugin factories that installed packages
(or an attached Lambda layer) provide as entry points in the group
``aws_durable_execution.plugins``. ``load_configured_plugins(explicit)`` returns the explicit
factories (``durable_execution(plugins=[...])``) followed by the configured ones in the order
named; a configured factory that is the same object as an explicit one is registered once.
It runs when the handler is decorated; every problem is a ``PluginLoadError`` naming it (empty
or duplicate names, no or several providers of a name, an entry point that fails to import or
is not a factory). ``importlib.metadata`` is only imported when the variable is set.
"""
from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from durable_lambda.workflows.exceptions import PluginLoadError

log = logging.getLogger(__name__)

PLUGIN_ENTRY_POINT_GROUP = "aws_durable_execution.plugins"
PLUGIN_ENVIRONMENT_VARIABLE = "DURABLE_EXECUTION_PLUGINS"


def configured_plugin_names(environment: Mapping[str, str]) -> list[str]:
    """The names in ``DURABLE_EXECUTION_PLUGINS`` (none when unset or blank)."""
    value = environment.get(PLUGIN_ENVIRONMENT_VARIABLE)
    if value is None or not value.strip():
        return []
    names = [name.strip() for name in value.split(",")]
    if not all(names):
        raise PluginLoadError(f"{PLUGIN_ENVIRONMENT_VARIABLE} must contain non-empty, "
                              f"comma-separated plugin names (got {value!r})")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PluginLoadError(f"{PLUGIN_ENVIRONMENT_VARIABLE} names {duplicates[0]!r} twice")
    return names


def load_configured_plugins(explicit: Optional[Sequence[Any]], *,
                            environment: Optional[Mapping[str, str]] = None) -> list[Any]:
    """``explicit`` followed by the factories ``DURABLE_EXECUTION_PLUGINS`` names."""
    factories = list(explicit or [])
    names = configured_plugin_names(os.environ if environment is None else environment)
    if not names:
        return factories
    from importlib import metadata  # only when plugins are configured (cold start)
    try:
        found = list(metadata.entry_points(group=PLUGIN_ENTRY_POINT_GROUP))
    except Exception as error:  # noqa: BLE001 - broken metadata: say which group
        raise PluginLoadError(f"could not list the entry points of group "
                              f"{PLUGIN_ENTRY_POINT_GROUP!r}: {error}") from error
    by_name: dict[str, list[Any]] = {}
    for entry_point in found:
        by_name.setdefault(entry_point.name, []).append(entry_point)
    for name in names:
        matching = by_name.get(name, [])
        if len(matching) != 1:
            raise PluginLoadError(
                f"{len(matching) or 'no'} plugin providers named {name!r} in entry-point group "
                f"{PLUGIN_ENTRY_POINT_GROUP!r} (installed: {', '.join(sorted(by_name)) or 'none'})"
                "; install exactly one in the function artifact or an attached layer")
        factory = _load(name, matching[0])
        if any(factory is known for known in factories):
            log.warning("plugin %r is already registered explicitly; not registered twice", name)
            continue
        factories.append(factory)
    return factories


def _load(name: str, entry_point: Any) -> Any:
    try:
        factory = entry_point.load()
    except Exception as error:  # noqa: BLE001 - any import failure, named
        raise PluginLoadError(f"could not load plugin factory {name!r} from "
                              f"{entry_point.value!r}: {error}") from error
    unbound = isinstance(factory, type) and inspect.isfunction(
        inspect.getattr_static(factory, "create_plugin", None))
    if unbound or not callable(getattr(factory, "create_plugin", None)):
        raise PluginLoadError(
            f"plugin entry point {name!r} ({entry_point.value!r}) must name a plugin factory "
            "instance (an object with create_plugin(info)), not a plugin, a plugin class or "
            "the factory class")
    return factory


__all__ = ["load_configured_plugins", "configured_plugin_names", "PLUGIN_ENTRY_POINT_GROUP",
           "PLUGIN_ENVIRONMENT_VARIABLE"]
