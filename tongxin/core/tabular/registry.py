"""Importable kinds: `tongxin import <kind> FILE …` and the web import page find their spec here.

An app registers each kind once, in its `imports.py` (imported automatically before the registry is read) or
in its AppConfig.ready()::

    from tongxin.core.tabular import register_importer

    register_importer("persons", PersonSpec, label="人士")

`spec_factory` is called with no arguments for every import and returns an `ImportSpec` (a spec class works).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

__all__ = ["Importer", "get_importer", "importers", "register_importer"]


@dataclass(frozen=True)
class Importer:
    kind: str
    spec_factory: Callable
    label: str = ""
    permission: str | None = None

    def spec(self):
        return self.spec_factory()


_importers: dict[str, Importer] = {}
_discovered = False
_lock = threading.Lock()


def register_importer(kind: str, spec_factory: Callable, *, label: str = "", permission: str | None = None):
    """Register (or replace) the spec factory for `kind`; `permission` is what the web import page requires."""
    _importers[kind] = Importer(kind=kind, spec_factory=spec_factory, label=label or kind, permission=permission)
    return spec_factory


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            autodiscover_modules("imports")
            _discovered = True


def importers() -> dict[str, Importer]:
    _discover()
    return dict(sorted(_importers.items()))


def get_importer(kind: str) -> Importer | None:
    _discover()
    return _importers.get(kind)
