"""Plugins selected through the environment (the official SDK's ``plugin_discovery``).

``DURABLE_EXECUTION_PLUGINS="name[,name...]"`` names plugin factories that installed packages
(or an attached Lambda layer) provide as entry points in the group
``aws_durable_execution.plugins``. ``load_configured_plugins(explicit)`` returns the explicit
factories (``durable_execution(plugins=[...])``) followed by the configured ones in the order
named; a configured factory that is the same object as an explicit one is registered once.
It runs when the handler is decorated; every problem is a ``PluginLoadError`` in the SDK's
words (an explicit entry that is not a factory, empty or duplicate names, no or several
providers of a name, an entry point that fails to import or is not a factory, two factories in
one exclusive group). Registration then reports its result to the factories that opted in to
the registration API (``plugin_registration``): ``True`` to each registered factory, or
``False`` to every candidate when it failed. ``importlib.metadata`` is only imported when the
variable is set.
"""
from __future__ import annotations

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
                              "comma-separated plugin names.")
    for index, name in enumerate(names):
        if name in names[:index]:
            raise PluginLoadError(f"{PLUGIN_ENVIRONMENT_VARIABLE} contains duplicate plugin "
                                  f"name '{name}'.")
    return names


def load_configured_plugins(explicit: Optional[Sequence[Any]], *,
                            environment: Optional[Mapping[str, str]] = None) -> list[Any]:
    """``explicit`` followed by the factories ``DURABLE_EXECUTION_PLUGINS`` names, checked
    (``PluginLoadError``), with the registration result reported to the factories."""
    factories = list(explicit or [])
    environment = os.environ if environment is None else environment
    if not factories and not (environment.get(PLUGIN_ENVIRONMENT_VARIABLE) or "").strip():
        return factories  # nothing to register (and nothing more imported at cold start)
    from durable_lambda.workflows.plugin_registration import (
        check_exclusive_groups, check_explicit, notify_registration_result)
    candidates: list[Any] = list(factories)  # every factory object that may hold resources
    try:
        check_explicit(factories)
        _add_configured(factories, candidates, environment)
        check_exclusive_groups(factories)
    except Exception:
        notify_registration_result(candidates, registered=False)
        raise
    notify_registration_result(factories, registered=True)
    return factories


def _add_configured(factories: list[Any], candidates: list[Any],
                    environment: Mapping[str, str]) -> None:
    names = configured_plugin_names(environment)
    if not names:
        return
    from importlib import metadata  # only when plugins are configured (cold start)
    try:
        found = list(metadata.entry_points(group=PLUGIN_ENTRY_POINT_GROUP))
    except Exception as error:  # noqa: BLE001 - broken metadata: say which group
        raise PluginLoadError(
            "Failed to inspect installed durable instrumentation plugin providers in "
            f"entry-point group '{PLUGIN_ENTRY_POINT_GROUP}': {error}") from error
    by_name: dict[str, list[Any]] = {}
    for entry_point in found:
        by_name.setdefault(entry_point.name, []).append(entry_point)
    for name in names:
        matching = by_name.get(name, [])
        if not matching:
            raise PluginLoadError(
                f"No durable instrumentation plugin provider named '{name}' was found in "
                f"entry-point group '{PLUGIN_ENTRY_POINT_GROUP}'. Installed providers: "
                f"{', '.join(sorted(by_name)) or 'none'}. Ensure the provider package is "
                "installed in the function artifact or an attached Lambda layer.")
        if len(matching) > 1:
            raise PluginLoadError(
                f"Multiple durable instrumentation plugin providers named '{name}' were found "
                f"in entry-point group '{PLUGIN_ENTRY_POINT_GROUP}': "
                f"{', '.join(_distribution(ep) for ep in matching)}. Remove the duplicate "
                "provider package.")
        factory = _load(name, matching[0], candidates)
        if any(factory is known for known in factories):
            log.warning("Skipping dynamically configured plugin '%s' because the same plugin "
                        "factory is already registered.", name)
            continue
        factories.append(factory)


def _distribution(entry_point: Any) -> str:
    dist = getattr(entry_point, "dist", None)
    return "unknown distribution" if dist is None else dist.metadata.get(
        "Name", "unknown distribution")


def _load(name: str, entry_point: Any, candidates: list[Any]) -> Any:
    from durable_lambda.workflows.plugin_registration import describe, is_plugin_factory
    try:
        factory = entry_point.load()
    except Exception as error:  # noqa: BLE001 - any import failure, named
        raise PluginLoadError(
            f"Failed to load durable instrumentation plugin factory '{name}' from "
            f"'{entry_point.value}' ({_distribution(entry_point)}): {error}") from error
    candidates.append(factory)  # loaded: told the result even when it is rejected below
    if not is_plugin_factory(factory):
        raise PluginLoadError(
            f"Durable instrumentation plugin entry point '{name}' must resolve to a plugin "
            "factory -- an object with a create_plugin(info) method returning a "
            f"DurableInstrumentationPlugin -- but resolved to {describe(factory)}. Name the "
            "factory instance, not a plugin, not a plugin class, and not the factory class.")
    return factory


__all__ = ["load_configured_plugins", "configured_plugin_names", "PLUGIN_ENTRY_POINT_GROUP",
           "PLUGIN_ENVIRONMENT_VARIABLE"]
