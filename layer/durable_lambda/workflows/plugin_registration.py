"""A plugin factory's registration API (the official SDK's, in ``plugin_discovery``).

A factory class that declares ``__durable_registration_api__ = 1`` (the int 1, not ``True``)
opts in to two optional members, read from the class, never by building a plugin:

- ``exclusive_group``: ``None`` or a non-empty string. Two registered factories whose classes
  share a group are a ``PluginLoadError`` when the handler is decorated, whether each came from
  ``plugins=[...]`` or ``DURABLE_EXECUTION_PLUGINS``: no side wins. The same class registered
  twice (two instances) is an error of its own. Groups accumulate over every opted-in class of
  the MRO; ``getattr`` on that class reads the value, so it may be inherited.
- ``on_registration_result(registered)``: called once per factory object when registration
  ends — ``True`` for each registered factory, ``False`` for every candidate (the explicit
  entries and every entry point loaded so far) when registration fails. An ordinary exception
  it raises is logged and ignored.

The first class of the MRO that declares the marker owns the contract: a marker other than
the int 1 there switches it off for that class and its subclasses. A subclass that does not
repeat the marker keeps its base's contract, and its own same-named members are ignored (the
callback is the one the owner's MRO declares).
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Sequence
from typing import Any, Optional

from durable_lambda.workflows.exceptions import PluginLoadError

log = logging.getLogger("durable_lambda.workflows.plugin_discovery")

MARKER = "__durable_registration_api__"
_PROBE = object()  # bound to create_plugin's signature to test its shape; never read


# -- factory shape -------------------------------------------------------------------------------
def is_plugin_factory(value: object) -> bool:
    """``value.create_plugin`` can be called with the invocation's start info, without
    running factory code (a factory *class* with an instance-method ``create_plugin`` is not)."""
    create_plugin = getattr(value, "create_plugin", None)
    if not callable(create_plugin):
        return False
    if isinstance(value, type) and _unbound_method_of_class(value, create_plugin):
        return False
    try:
        signature = inspect.signature(create_plugin)
    except (TypeError, ValueError):
        return True  # no readable signature (e.g. a builtin): the member decides
    try:
        signature.bind(_PROBE)
    except TypeError:
        return False
    return True


def _unbound_method_of_class(cls: type, create_plugin: object) -> bool:
    if getattr(create_plugin, "__self__", None) is not None or not inspect.isfunction(
            create_plugin):
        return False  # a classmethod, or a callable object stored on the class
    try:
        return not isinstance(inspect.getattr_static(cls, "create_plugin"), staticmethod)
    except AttributeError:
        return False


def qualified_name(named: object) -> str:
    """``module.qualname`` of a class or function (placeholders when either is missing)."""
    module = getattr(named, "__module__", None) or "unknown module"
    name = getattr(named, "__qualname__", None) or getattr(named, "__name__", None)
    return f"{module}.{name or '<unnamed>'}"


def describe(value: object) -> str:
    """A rejected entry, by name: the class, the function, or an instance of its type."""
    if isinstance(value, type):
        return f"the class {qualified_name(value)}"
    if inspect.isroutine(value):
        return f"the function {qualified_name(value)}"
    return f"an instance of {qualified_name(type(value))}"


def check_explicit(factories: Sequence[Any]) -> None:
    """``PluginLoadError`` naming the first entry of ``plugins=[...]`` that is not a factory."""
    for index, factory in enumerate(factories):
        if not is_plugin_factory(factory):
            raise PluginLoadError(
                f"Durable instrumentation plugin at plugins[{index}] must be a plugin factory "
                "-- an object with a create_plugin(info) method returning a "
                f"DurableInstrumentationPlugin -- but is {describe(factory)}. Pass a factory "
                "rather than a plugin, a plugin class, or a plain callable, and pass a factory "
                "instance rather than the factory class, for example "
                "plugins=[MyPluginFactory(exporter)].")


# -- the registration API ------------------------------------------------------------------------
def _mro(cls: type) -> tuple[type, ...]:
    return vars(type)["__mro__"].__get__(cls, type(cls))  # no metaclass descriptor runs


def _namespace(cls: type) -> Any:
    return vars(type)["__dict__"].__get__(cls, type(cls))


def _opted_in(version: object) -> bool:
    return type(version) is int and version == 1


def factory_class(factory: object) -> type:
    """The class whose registration metadata applies (a class registered as a factory: itself)."""
    kind = type(factory)
    return factory if issubclass(kind, type) else kind  # type: ignore[return-value]


def contract_owner(cls: type) -> Optional[type]:
    """The first class of ``cls``'s MRO declaring the marker, when it declares version 1."""
    for declaring in _mro(cls):
        namespace = _namespace(declaring)
        if MARKER in namespace:
            return declaring if _opted_in(namespace[MARKER]) else None
    return None


def exclusive_groups(cls: type) -> list[str]:
    """The groups of every opted-in class of ``cls``'s MRO, in MRO order, each once."""
    groups: list[str] = []
    for declaring in _mro(cls):
        if not _opted_in(_namespace(declaring).get(MARKER)):
            continue
        try:
            group = getattr(declaring, "exclusive_group", None)
        except Exception as error:  # noqa: BLE001 - a descriptor of the user's: say which class
            raise PluginLoadError(
                f"Cannot read exclusive_group for {qualified_name(cls)}.") from error
        if group is None:
            continue
        if type(group) is not str or not group.strip():
            raise PluginLoadError(
                f"Durable instrumentation plugin {qualified_name(cls)} must declare "
                "exclusive_group as None or a non-empty string.")
        if group not in groups:
            groups.append(group)
    return groups


def check_exclusive_groups(factories: Iterable[object]) -> None:
    """``PluginLoadError`` when two registered factories' classes share an exclusive group."""
    members: dict[str, type] = {}
    for cls in (factory_class(factory) for factory in factories):
        if contract_owner(cls) is None:
            continue
        for group in exclusive_groups(cls):
            previous = members.get(group)
            if previous is cls:
                raise PluginLoadError(
                    f"Durable instrumentation plugin {qualified_name(cls)} is registered more "
                    f"than once in exclusive group '{group}'. Register this plugin only once "
                    "in plugins.")
            if previous is not None:
                raise PluginLoadError(
                    f"Durable instrumentation plugins {qualified_name(previous)} and "
                    f"{qualified_name(cls)} are mutually exclusive (group '{group}'). Keep only "
                    "one plugin from this group in plugins and DURABLE_EXECUTION_PLUGINS.")
            members[group] = cls


def _callback(factory: object, owner: type) -> Any:
    """The owner's ``on_registration_result``, bound to ``factory``."""
    cls = factory_class(factory)
    if owner is cls:
        return getattr(factory, "on_registration_result", None)
    for declaring in _mro(owner):
        namespace = _namespace(declaring)
        if "on_registration_result" in namespace:
            member = namespace["on_registration_result"]
            bind = getattr(member, "__get__", None)
            return member if bind is None else bind(factory, cls)
    return None


def notify_registration_result(factories: Iterable[object], *, registered: bool) -> None:
    """Call each opted-in factory's ``on_registration_result(registered)`` once per object."""
    seen: set[int] = set()
    for factory in factories:
        if id(factory) in seen:
            continue
        seen.add(id(factory))
        try:
            owner = contract_owner(factory_class(factory))
            callback = None if owner is None else _callback(factory, owner)
            if callable(callback):
                callback(registered)
        except Exception:  # noqa: BLE001 - a callback must not change the registration
            log.exception("Plugin registration-result callback failed")


__all__ = ["check_exclusive_groups", "check_explicit", "contract_owner", "describe",
           "exclusive_groups", "factory_class", "is_plugin_factory",
           "notify_registration_result", "qualified_name"]
