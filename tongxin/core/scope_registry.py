"""Declarations the all-URLs scope test needs from each app, so that a new module is protected by registering.

The test (tongxin/core/tests/test_scope_all_urls.py) creates one sample record of every registered model in one
county, signs in as a user of another county holding every permission, requests every URL pattern of the project
(pages, exports, searches, API) and fails if any sample can be seen, changed or deleted — and fails as well for a
URL it cannot map to a registered model, telling the developer what to register here.

Each app declares its models in its own `tongxin/<app>/scope_samples.py` (imported by `autodiscover()`)::

    from tongxin.core import scope_registry

    def person(region_code, marker):
        return Person.objects.create(region_id=region_code, name=marker, ...)

    scope_registry.register_sample(Person, person)

- `register_sample(Model, factory)`: `factory(region_code, marker)` creates one record of a region-scoped model in
  that region (a county code; create any parents it needs) and puts `marker` into the fields its pages, exports and
  API show (name, title…); only that record may carry the marker.
- `register_global(Model, reason)`: a model that is deliberately not region-scoped (a data dictionary, a role).
- `register_view(url_name, model, kwargs=None)`: the model behind a URL whose view has no `model`/`queryset` to
  inspect (a function view), and optionally `kwargs(samples) -> dict` building its URL arguments from the samples
  (`{Model: record}`) when they are not simply the record's pk or attributes.
- `exempt(url_name, reason)`: a URL with arguments that are not about records (a language code, a metric key).
"""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.db import models

Factory = Callable[[str, str], models.Model]


@dataclass(frozen=True)
class ViewDeclaration:
    model: type[models.Model] | None
    kwargs: Callable[[dict], dict] | None = None


_samples: dict[type[models.Model], Factory] = {}
_globals: dict[type[models.Model], str] = {}
_views: dict[str, ViewDeclaration] = {}
_exempt: dict[str, str] = {}
_discovered = False


def register_sample(model: type[models.Model], factory: Factory) -> Factory:
    if not hasattr(model, "scope_field"):
        raise TypeError(f"{model.__name__} has no scope_field: declare it with register_global() instead")
    _samples[model] = factory
    return factory


def register_global(model: type[models.Model], reason: str) -> None:
    _globals[model] = reason


def register_view(url_name: str, model: type[models.Model] | None, kwargs: Callable[[dict], dict] | None = None):
    _views[url_name] = ViewDeclaration(model, kwargs)


def exempt(url_name: str, reason: str) -> None:
    _exempt[url_name] = reason


def samples() -> dict[type[models.Model], Factory]:
    autodiscover()
    return dict(_samples)


def global_models() -> dict[type[models.Model], str]:
    autodiscover()
    return dict(_globals)


def view_declaration(url_name: str | None) -> ViewDeclaration | None:
    autodiscover()
    return _views.get(url_name or "")


def exemption(url_name: str | None) -> str | None:
    autodiscover()
    return _exempt.get(url_name or "")


def autodiscover() -> None:
    """Import `scope_samples` of every installed tongxin app (a missing module is fine; a broken one is not)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for config in apps.get_app_configs():
        if not config.name.startswith("tongxin."):
            continue
        try:
            import_module(f"{config.name}.scope_samples")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.scope_samples":
                raise
