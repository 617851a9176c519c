"""The data scope holds on every URL of the project.

One sample record of every registered region-scoped model (tongxin/core/scope_registry.py; each app's
`scope_samples.py`) is created in county B (安居区). A user of county A (船山区) holding every permission, but not a
superuser, then requests every URL pattern the project has — pages, searches, exports, the API:

- a URL with arguments (detail, edit, delete, API detail and actions) is built from the out-of-scope sample and every
  method the view accepts must answer 404 (405 for a method it does not take), leaving the record unchanged;
- a URL without arguments (lists, searches, exports, API lists) is requested plain and with `q=`/`search=` set to
  the marker prefix, and no sample's marker may appear in what comes back (HTML, JSON, CSV, or the files of an
  xlsx/docx/zip, and the files of background jobs the walk started).

A URL the walker cannot map to a registered model fails the test with what to register: new modules are protected
by declaring their models, not by writing their own scope tests.
"""

import html
import io
import json
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tongxin.core import scope_registry
from tongxin.core.models import Job, Region, User

COUNTY_A = "510903"  # 船山区: the walking user
COUNTY_B = "510904"  # 安居区: the samples
MARKER_PREFIX = "QZXSCOPE"

# URLs that are not about records (framework and account pages). They are still requested and checked for markers
# when they take no arguments; apps declare their own with scope_registry.exempt(name, reason).
NOT_ABOUT_RECORDS = {
    "set_language": "切换界面语言",
    "core:login": "登录页",
    "core:logout": "退出",
    "core:healthz": "健康检查",
    "api:schema": "OpenAPI 结构说明",
    "api:docs": "接口文档页面",
    "api:redoc": "接口文档页面",
    "api:api-root": "接口目录",
}
# Requests to these would end the walking user's session or change its settings mid-walk.
NO_POST = {"core:logout", "set_language", "core:login"}
METHODS = ("get", "post", "put", "patch", "delete")
FORMAT_SUFFIX = r"\.(?P<format>"


@dataclass
class Route:
    name: str | None
    pattern: str
    kwargs: tuple[str, ...]
    callback: object

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def initkwargs(self) -> dict:
        return getattr(self.callback, "view_initkwargs", None) or getattr(self.callback, "initkwargs", None) or {}

    def methods(self) -> list[str]:
        actions = getattr(self.callback, "actions", None)
        if actions:  # a DRF viewset route: exactly the methods it maps
            return [m for m in METHODS if m in actions]
        cls = self.view_class
        if cls is None:
            return ["get", "post"]
        allowed = getattr(cls, "http_method_names", METHODS)
        return [m for m in METHODS if m in allowed and hasattr(cls, m)] or ["get"]


def iter_routes(patterns=None, prefix: str = "", namespace: str = "", kwargs: tuple = ()):
    """Every URLPattern of the project with its namespaced name, full pattern and argument names."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        names = tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            child_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_routes(entry.url_patterns, prefix + str(entry.pattern), child_ns, kwargs + names)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name, prefix + str(entry.pattern), kwargs + names, entry.callback)


def view_model(route: Route):
    """The model behind a view: a registered declaration, `model`, or the model of `queryset`."""
    declaration = scope_registry.view_declaration(route.name)
    if declaration is not None:
        return declaration.model
    for source in (route.initkwargs, route.view_class):
        if source is None:
            continue
        get = source.get if isinstance(source, dict) else lambda attr, s=source: getattr(s, attr, None)
        model = get("model")
        if isinstance(model, type) and issubclass(model, models.Model):
            return model
        queryset = get("queryset")
        if isinstance(queryset, models.QuerySet):
            return queryset.model
    return None


def response_text(response) -> str:
    """Everything a response shows: its body decoded, JSON unescaped, the members of a zip (xlsx, docx)."""
    # Consuming streaming_content closes the response the way the test client expects; calling close() here would
    # send request_finished outside the client and close the test's database connection.
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return decoded(raw, response.get("Content-Type", "")) + "\n" + response.get("Location", "")


def decoded(raw: bytes, content_type: str = "") -> str:
    parts = [raw.decode("utf-8", "replace")]
    if raw[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    if "json" in content_type:
        try:
            parts.append(json.dumps(json.loads(raw), ensure_ascii=False))
        except ValueError:
            pass
    return html.unescape("\n".join(parts))


@dataclass
class ScopeWalker:
    client: object
    user: object
    records: dict  # model -> out-of-scope sample
    markers: dict  # model -> marker
    failures: list[str] = field(default_factory=list)
    checked: dict[str, str] = field(default_factory=dict)  # url name -> what was checked
    skipped: dict[str, str] = field(default_factory=dict)  # url name -> why

    def fail(self, route: Route, message: str) -> None:
        self.failures.append(f"{route.name or '(unnamed)'} [{route.pattern}]: {message}")

    def run(self, only=None) -> list[str]:
        seen = set()
        for route in iter_routes():
            if only is not None and not only(route):
                continue
            if FORMAT_SUFFIX in route.pattern:  # DRF's `.json` variants: the same view as the plain route
                continue
            key = (route.name, route.kwargs)
            if key in seen:
                continue
            seen.add(key)
            self.check_route(route)
        if only is None:
            self.check_jobs()
        return self.failures

    def check_route(self, route: Route) -> None:
        if route.name is None:
            self.fail(route, "unnamed URL pattern: give it a name (path(..., name=...)) so the walker can build it")
            return
        reason = NOT_ABOUT_RECORDS.get(route.name) or scope_registry.exemption(route.name)
        model = view_model(route)
        arguments = list(route.kwargs)
        if arguments:
            if reason:
                self.skipped[route.name] = reason
                return
            if model is None:
                self.fail(route, f"takes {arguments} but the walker cannot tell which model they point to: give the "
                                 "view a `model` or `queryset`, or call scope_registry.register_view(name, Model) "
                                 "in tongxin/<app>/scope_samples.py (exempt(name, reason) if it is not about "
                                 "records)")
                return
            if model in scope_registry.global_models():
                self.check_global_record_url(route, model)
                return
            if model not in self.records:
                self.fail(route, self.unregistered(model))
                return
            self.check_record_url(route, model)
            return
        if not reason:
            if model is None:
                self.fail(route, "the walker cannot classify this view (no `model`/`queryset`): declare its model "
                                 "with scope_registry.register_view(name, Model), or exempt(name, reason) if it "
                                 "shows no records, in tongxin/<app>/scope_samples.py")
            elif model not in self.records and model not in scope_registry.global_models():
                self.fail(route, self.unregistered(model))
        self.check_list_url(route, post=route.name not in NO_POST)

    @staticmethod
    def unregistered(model) -> str:
        label = model._meta.label
        if hasattr(model, "scope_field"):
            return (f"{label} is region-scoped but has no sample: call scope_registry.register_sample({model.__name__},"
                    f" factory) in tongxin/{model._meta.app_label}/scope_samples.py")
        return (f"{label} is not region-scoped: make it a ScopedModel, or declare it with "
                f"scope_registry.register_global({model.__name__}, reason) in "
                f"tongxin/{model._meta.app_label}/scope_samples.py")

    def url_kwargs(self, route: Route, model, obj) -> dict | str:
        declaration = scope_registry.view_declaration(route.name)
        if declaration is not None and declaration.kwargs is not None:
            return declaration.kwargs(self.records)
        by_name = {m._meta.model_name: m for m in self.records}
        values = {}
        for name in route.kwargs:
            if name in ("pk", "id", "object_id"):
                values[name] = obj.pk
            elif name.rsplit("_", 1)[-1] in ("pk", "id") and name.rsplit("_", 1)[0] in by_name:
                values[name] = self.records[by_name[name.rsplit("_", 1)[0]]].pk
            elif hasattr(obj, name) and not callable(getattr(obj, name)):
                values[name] = getattr(obj, name)
            else:
                return (f"cannot fill URL argument {name!r} from a {model._meta.label}: declare "
                        f"scope_registry.register_view({route.name!r}, {model.__name__}, kwargs=lambda samples: "
                        "{...}) in its app's scope_samples.py")
        return values

    def request(self, method: str, url: str, **extra):
        self.client.force_login(self.user)
        self.client.raise_request_exception = False
        if method in ("put", "patch"):
            return getattr(self.client, method)(url, data="{}", content_type="application/json", **extra)
        return getattr(self.client, method)(url, **extra)

    @staticmethod
    def error(response) -> str:
        exc_info = getattr(response, "exc_info", None)
        if not exc_info:
            return ""
        return f" ({exc_info[0].__name__}: {str(exc_info[1])[:200]})"

    def leaked(self, text: str) -> list[str]:
        lowered = text.lower()
        return [f"{model._meta.label} “{marker}”" for model, marker in self.markers.items()
                if marker.lower() in lowered]

    def check_global_record_url(self, route: Route, model) -> None:
        """A page of a nationwide record (a role, a dictionary) may still list scoped records (a role's users):
        read it (never write) and look for the samples."""
        obj = model._default_manager.order_by("pk").first()
        values = self.url_kwargs(route, model, obj) if obj is not None else "no record to show"
        if isinstance(values, str):
            self.skipped[route.name] = f"{model._meta.label} is global ({values})"
            return
        url = reverse(route.name, kwargs=values)
        response = self.request("get", url)
        self.check_listing(route, f"GET {url}", response)
        self.checked[route.name] = f"global {model._meta.label} [{response.status_code}]"

    def check_record_url(self, route: Route, model) -> None:
        obj = self.records[model]
        values = self.url_kwargs(route, model, obj)
        if isinstance(values, str):
            self.fail(route, values)
            return
        url = reverse(route.name, kwargs=values)
        before = list(model._base_manager.filter(pk=obj.pk).values())
        statuses = {}
        for method in route.methods():
            # A redirect is followed: what counts is what the user ends up seeing (a harmless redirect to the
            # record's own page must end in that page's 404).
            response = self.request(method, url, follow=True)
            statuses[method.upper()] = response.status_code
            leaks = self.leaked(response_text(response))
            if leaks:
                self.fail(route, f"{method.upper()} {url} shows out-of-scope {', '.join(leaks)}")
            if response.status_code not in (404, 405):
                self.fail(route, f"{method.upper()} {url} answered {response.status_code}{self.error(response)} for "
                                 f"an out-of-scope {model._meta.label}; expected 404 (restrict the view's queryset "
                                 "with Model.objects.restrict(request.user))")
        if statuses and set(statuses.values()) == {405}:
            self.fail(route, f"{url} accepts none of {sorted(statuses)}: the walker could not test it")
        if list(model._base_manager.filter(pk=obj.pk).values()) != before:
            self.fail(route, f"{url} changed or deleted the out-of-scope {model._meta.label}")
        self.checked[route.name] = f"{model._meta.label} {statuses}"

    def check_list_url(self, route: Route, post: bool) -> None:
        url = reverse(route.name)
        statuses = []
        for query in ("", f"?q={MARKER_PREFIX}&search={MARKER_PREFIX}"):
            response = self.request("get", url + query, follow=True)
            statuses.append(response.status_code)
            self.check_listing(route, f"GET {url}{query}", response)
        methods = route.methods()
        if post and ("post" in methods and (route.view_class is not None or 405 in statuses)):
            response = self.request("post", url, follow=True)
            statuses.append(response.status_code)
            self.check_listing(route, f"POST {url}", response)
        self.checked[route.name] = f"listing {statuses}"

    def check_listing(self, route: Route, what: str, response) -> None:
        if response.status_code >= 500:
            self.fail(route, f"{what} answered {response.status_code}{self.error(response)}: the walker could not "
                             "check it")
        leaks = self.leaked(response_text(response))
        if leaks:
            self.fail(route, f"{what} shows out-of-scope {', '.join(leaks)}")

    def check_jobs(self) -> None:
        """Exports that run as background jobs: their titles, results and files show nothing out of scope."""
        for job in Job.objects.filter(user=self.user):
            text = " ".join([job.title, job.progress_message, job.error, json.dumps(job.result, ensure_ascii=False)])
            if job.result_file:
                with job.result_file.open("rb") as handle:
                    text += decoded(handle.read())
            leaks = self.leaked(text)
            if leaks:
                self.failures.append(f"background job “{job.title}” ({job.kind}) contains out-of-scope "
                                     f"{', '.join(leaks)}")


@pytest.fixture
def scope_walker(regions, client):
    from tongxin.core.services import ensure_roles, seed_dictionaries

    ensure_roles()
    seed_dictionaries()
    records, markers = {}, {}
    for index, (model, factory) in enumerate(scope_registry.samples().items(), start=1):
        marker = f"{MARKER_PREFIX}{index:02d}{model._meta.model_name[:10]}"
        record = factory(COUNTY_B, marker)
        assert isinstance(record, model) and record.pk is not None, f"{factory} must return a saved {model}"
        records[model], markers[model] = record, marker
    group = Group.objects.create(name="全部权限（范围测试）")
    group.permissions.set(Permission.objects.all())
    user = User.objects.create_user(username="scope_walker", password=None, scope_region_id=COUNTY_A)
    user.groups.add(group)
    assert not user.is_superuser
    return ScopeWalker(client=client, user=user, records=records, markers=markers)


def test_samples_are_out_of_scope_for_county_a_and_in_scope_for_county_b(scope_walker):
    other = User.objects.create_user(username="scope_b", password=None, scope_region_id=COUNTY_B)
    for model, record in scope_walker.records.items():
        assert not model.objects.restrict(scope_walker.user).filter(pk=record.pk).exists(), model
        assert model.objects.restrict(other).filter(pk=record.pk).exists(), model


def test_no_url_shows_another_countys_records(scope_walker):
    failures = scope_walker.run()
    for name, what in sorted(scope_walker.checked.items()):
        print(f"checked {name}: {what}")
    for name, why in sorted(scope_walker.skipped.items()):
        print(f"skipped {name}: {why}")
    assert not failures, "数据范围泄露或未登记的地址：\n" + "\n".join(failures)
    # The walk really reached the record pages and the API, not just the login page.
    assert {"api:region-detail", "api:region-children", "api:job-detail", "api:auditentry-detail",
            "api:region-list", "core:region_search"} <= set(scope_walker.checked)
    for name in ("api:region-detail", "api:job-detail"):
        assert "404" in scope_walker.checked[name]


def _unscope_api_viewset(monkeypatch):
    from tongxin.core.api import RegionViewSet

    monkeypatch.setattr(RegionViewSet, "get_queryset", lambda self: Region.objects.all())
    return {"api:region-detail", "api:region-list"}


def _unscope_function_view(monkeypatch):
    unscoped = SimpleNamespace(objects=SimpleNamespace(restrict=lambda user, action="view": Region.objects.all()))
    monkeypatch.setattr("tongxin.core.views.Region", unscoped)
    return {"core:region_search"}


def _unscope_generic_view(monkeypatch):
    from tongxin.core.generic import ScopedViewMixin

    for route in iter_routes():
        cls = route.view_class
        model = view_model(route)
        if (cls is not None and issubclass(cls, ScopedViewMixin) and "pk" in route.kwargs
                and model in scope_registry.samples()):
            monkeypatch.setattr(cls, "get_queryset", lambda self: self.base_queryset())
            return {route.name}
    pytest.skip("no generic object view with a registered model in this tree yet")


@pytest.mark.parametrize("unscope", [_unscope_api_viewset, _unscope_function_view, _unscope_generic_view],
                         ids=["api-viewset", "function-view", "generic-view"])
def test_removing_the_scoping_from_one_view_fails_the_walk(scope_walker, monkeypatch, unscope):
    expected = unscope(monkeypatch)
    failures = scope_walker.run()
    flagged = {line.split(" ", 1)[0] for line in failures}
    assert expected <= flagged, failures


def test_an_unregistered_scoped_model_fails_the_walk(scope_walker, monkeypatch):
    """A record URL of a scoped model nobody registered is reported with what to register, not silently passed."""
    walker = scope_walker
    del walker.records[Job]
    failures = walker.run(only=lambda route: route.name == "api:job-detail")
    assert failures and "register_sample(Job" in failures[0]
