"""The official outputs (issue 5): one exporter class per output, found by its identifier.

``register`` is the class decorator every exporter module uses::

    from reports.exporters import register
    from reports.exporters.base import Exporter

    @register
    class RosterExporter(Exporter):
        identifier = "roster"
        ...

``get(identifier)`` and ``all_exporters()`` import every module of this package once, so a new
exporter module is picked up without touching this file. See ``base.py`` for the contract.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Exporter

registry: dict[str, type[Exporter]] = {}

# Modules of this package that hold helpers, not exporters.
_NOT_EXPORTERS = {"base", "render"}
_discovered = False


def register(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: make the exporter reachable by its ``identifier`` (web view, command, admin)."""
    identifier = cls.identifier
    if not identifier:
        raise ValueError(f"{cls.__name__} has no identifier")
    existing = registry.get(identifier)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise ValueError(f"Exporter identifier {identifier!r} is taken by {existing.__name__}")
    registry[identifier] = cls
    return cls


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_EXPORTERS and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    _discovered = True


def get(identifier: str) -> type[Exporter] | None:
    """The exporter class registered under ``identifier``, or None."""
    _discover()
    return registry.get(identifier)


def all_exporters() -> dict[str, type[Exporter]]:
    _discover()
    return dict(registry)
