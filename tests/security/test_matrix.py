"""The permission matrix, generated from `matrix.py`: every persona against every endpoint.

Two kinds of test: coverage (every API operation, Halo route and page has an entry, and every
entry names something that exists) and access (one test per entry that sends one real request
per persona, each in a savepoint rolled back afterwards, and checks the outcome the policy
promises: allowed gets past the permission checks, denied gets 401/403/404 or the login page).
"""

import copy
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tallyhour.accounts.models import Role
from tallyhour.accounts.services import api_token_create
from tallyhour.api.api import api
from tests.security import matrix
from tests.security.conftest import World
from tests.security.matrix import API, HALO, PAGES, PERSONAS, PUBLIC, Entry, Persona

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CONTACTS = {"contact", "other_contact"}  # portal users: a session, never a token
API_PREFIX = "api/v1/"

# --- what exists -------------------------------------------------------------------------------


def _url_patterns() -> Iterator[tuple[str, URLPattern]]:
    """Every concrete URL pattern with its full route (regex routes keep their regex)."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    yield from walk(get_resolver().url_patterns, "")


def _halo_path(regex: str) -> str:
    """`^api/[Tt][Ii]…/(?P<pk>[0-9]{1,18})/?$` -> `/api/ti…/{pk}` (compared case-insensitively)."""
    path = regex.removeprefix("^").removesuffix("$").removesuffix("/?")
    path = re.sub(r"\[([A-Za-z])[A-Za-z]\]", r"\1", path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
    return "/" + path.lower()


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def _api_paths() -> set[str]:
    return {key.split(" ", 1)[1] for key in api_operations()}


# Modules whose views are the HaloPSA-compatible API.
HALO_MODULES = {"tallyhour.halo.views", "tallyhour.halo.directory"}


def halo_routes() -> set[str]:
    return {
        _halo_path(route)
        for route, pattern in _url_patterns()
        if pattern.callback.__module__ in HALO_MODULES
    }


def page_routes() -> set[str]:
    """Every other route: pages, sign-in, and the API's docs (its operations are in API)."""
    api_paths = _api_paths()
    routes = set()
    for route, pattern in _url_patterns():
        if pattern.callback.__module__ in HALO_MODULES:
            continue
        if route.startswith(matrix.EXCLUDED_PAGE_PREFIXES) or route in matrix.EXCLUDED_PAGES:
            continue
        if route.startswith(API_PREFIX):
            as_api = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            if as_api in api_paths:
                continue
        routes.add("/" + route)
    return routes


def _declared(table: dict[str, Entry], *, fold_case: bool = False) -> set[str]:
    paths = {key.split(" ", 1)[1] for key in table}
    return {p.lower() for p in paths} if fold_case else paths


# --- coverage ----------------------------------------------------------------------------------


def test_every_api_operation_has_an_entry():
    missing = sorted(api_operations() - set(API))
    assert not missing, (
        f"API operations without a matrix entry in tests/security/matrix.py: {missing}"
    )


def test_every_api_entry_names_an_operation():
    stale = sorted(set(API) - api_operations())
    assert not stale, f"matrix entries for API operations that no longer exist: {stale}"


def test_every_halo_route_has_an_entry():
    missing = sorted(halo_routes() - _declared(HALO, fold_case=True))
    assert not missing, f"Halo routes without a matrix entry: {missing}"


def test_every_halo_entry_names_a_route():
    stale = sorted(_declared(HALO, fold_case=True) - halo_routes())
    assert not stale, f"matrix entries for Halo routes that no longer exist: {stale}"


def test_every_page_has_an_entry():
    missing = sorted(page_routes() - _declared(PAGES))
    assert not missing, (
        f"pages without a matrix entry (or add them to EXCLUDED_PAGE_PREFIXES): {missing}"
    )


def test_every_page_entry_names_a_page():
    stale = sorted(_declared(PAGES) - page_routes())
    assert not stale, f"matrix entries for pages that no longer exist: {stale}"


def test_entries_use_known_methods():
    for key in [*API, *HALO, *PAGES]:
        method, _, path = key.partition(" ")
        assert method in {"GET", "POST", "PATCH", "PUT", "DELETE"} and path.startswith("/"), key


def test_every_role_has_a_persona(world):
    # A new role (the portal's `contact`, say) must get a persona before the matrix passes.
    roles = {world.users[p.user].role for p in PERSONAS if p.user and not p.is_token}
    assert roles == set(Role.values)


def test_the_coverage_check_would_notice_a_new_endpoint(monkeypatch):
    # The check is only worth having if it fails: pretend an endpoint appeared.
    monkeypatch.delitem(API, "GET /api/v1/clients")
    assert "GET /api/v1/clients" in api_operations() - set(API)
    monkeypatch.delitem(PAGES, "GET /tickets/")
    assert "/tickets/" in page_routes() - _declared(PAGES)


# --- access ------------------------------------------------------------------------------------


def needed_scope(entry: Entry, method: str) -> str | None:
    if method in SAFE_METHODS:
        return "read"
    return entry.scope or entry.policy.write_scope


def expected_allowed(entry: Entry, persona: Persona, surface: str, method: str) -> bool:
    if persona.name in entry.allow:
        return True
    if persona.name in entry.deny or (persona.is_token and persona.user in entry.deny):
        return False  # a token never gets more than its user
    anonymous = persona.user is None or (persona.is_token and surface == "page")
    if anonymous:
        return "anonymous" in entry.policy.users
    if persona.user not in entry.policy.users:
        return False
    if persona.is_token and entry.policy is not PUBLIC:
        assert persona.scopes is not None
        return needed_scope(entry, method) in persona.scopes
    return True


def problem(
    response: HttpResponse, *, allowed: bool, entry: Entry, persona: Persona, surface: str
) -> str | None:
    """What is wrong with `response`, or None when it is the outcome the matrix expects."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status == 405:
        return "405: the entry's method is wrong"
    location = response.headers.get("Location", "")
    redirect = status in (301, 302, 303)
    to_login = redirect and location.startswith((reverse("login"), reverse("portal:login")))
    if allowed:
        if status in (401, 403, 404) or (to_login and "anonymous" not in entry.policy.users):
            return f"should be allowed, got {status} {location}".rstrip()
        return None
    anonymous = persona.user is None or (persona.is_token and surface == "page")
    if anonymous:
        ok = to_login if surface == "page" else status == 401
    elif persona.user in CONTACTS and surface == "page":
        # The portal gate sends contacts from staff pages back to the portal.
        ok = status in (403, 404) or (redirect and location.startswith(reverse("portal:home")))
    else:
        ok = status in (403, 404)
    return None if ok else f"should be denied, got {status} {location}".rstrip()


def visibility_problem(
    response: HttpResponse, entry: Entry, persona: Persona, world: World
) -> str | None:
    """A list shows the engineer's object to exactly those its `seen_by` policy names."""
    assert entry.shows and entry.seen_by, "an entry that `shows` needs `seen_by`"
    if response.status_code >= 300:
        return None  # a validation answer lists nothing
    should_see = persona.user in entry.seen_by.users
    sees = world.values[entry.shows] in response.content.decode()
    if sees == should_see:
        return None
    verdict = "shows" if sees else "hides"
    return f"{verdict} {entry.shows}, against {entry.seen_by!r} (who may see it)"


def _fill(path: str, entry: Entry, world: World) -> str:
    ids = {**matrix.DEFAULT_IDS, **(entry.ids or {})}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"{path}: say which object {name!r} names (Entry ids=)"
        return world.value(ids[name])

    path = re.sub(r"\{(\w+)\}", value, path)
    return re.sub(r"<(?:\w+:)?(\w+)>", value, path)


def _resolve(value: Any, world: World) -> Any:
    return value(world) if callable(value) else value


class Caller:
    """Sends one entry's request as one persona."""

    def __init__(self, persona: Persona, surface: str, world: World):
        self.http = HttpClient()
        self.headers: dict[str, str] = {}
        user = world.users[persona.user] if persona.user else None
        if user is None:
            return
        if user.is_contact:
            self.http.force_login(user)
        elif persona.is_token or surface == "halo":
            # Halo clients only ever hold bearer tokens; staff personas get their role's scopes.
            scopes = list(persona.scopes) if persona.scopes is not None else None
            _, raw = api_token_create(user=user, name=f"matrix {persona.name}", scopes=scopes)
            self.headers["Authorization"] = f"Bearer {raw}"
        else:
            self.http.force_login(user)

    def send(
        self, method: str, path: str, entry: Entry, surface: str, world: World
    ) -> HttpResponse:
        # Signing in or out changes the cookie jar even though the database rolls back.
        cookies = copy.deepcopy(self.http.cookies)
        try:
            return self._send(method, path, entry, surface, world)
        finally:
            self.http.cookies = cookies

    def _send(
        self, method: str, path: str, entry: Entry, surface: str, world: World
    ) -> HttpResponse:
        query = _resolve(entry.query, world)
        body = _resolve(entry.body, world)
        if method == "GET":
            return self.http.get(path, query or {}, headers=self.headers)
        if query:
            path = f"{path}?{urlencode(query)}"
        send = getattr(self.http, method.lower())
        if surface == "page":
            # As the pages' htmx sends it: refusals come back as 4xx fragments, not redirects.
            headers = {**self.headers, "HX-Request": "true"}
            return send(path, body or {}, headers=headers)
        if path.lower().startswith("/auth/"):
            return send(path, body or {}, headers=self.headers)  # OAuth: form fields
        data = "" if body is None else json.dumps(body)
        return send(path, data=data, content_type="application/json", headers=self.headers)


@pytest.fixture(scope="module")
def callers(matrix_world: World, django_db_blocker: Any) -> dict[tuple[str, str], Caller]:
    """Every persona's client on every surface, signed in once inside the module's world."""
    with django_db_blocker.unblock():
        return {
            (surface, p.name): Caller(p, surface, matrix_world)
            for surface in ("api", "halo", "page")
            for p in PERSONAS
        }


def _cases() -> list[Any]:
    cases = []
    for surface, table in (("api", API), ("halo", HALO), ("page", PAGES)):
        for key in table:
            cases.append(pytest.param(surface, key, id=f"{surface}:{key}"))
    return cases


@pytest.mark.parametrize(("surface", "key"), _cases())
def test_access(surface, key, world, callers):
    table = {"api": API, "halo": HALO, "page": PAGES}[surface]
    entry = table[key]
    method, _, route = key.partition(" ")
    path = _fill(route, entry, world)
    problems = []
    for persona in PERSONAS:
        if entry.sample and persona.name not in matrix.SAMPLE_PERSONAS:
            continue
        allowed = expected_allowed(entry, persona, surface, method)
        try:
            with transaction.atomic():
                response = callers[surface, persona.name].send(method, path, entry, surface, world)
                transaction.set_rollback(True)
        except Exception as exc:  # noqa: BLE001 - report every persona, not just the first
            problems.append(f"{persona.name}: raised {exc!r}")
            continue
        found = problem(response, allowed=allowed, entry=entry, persona=persona, surface=surface)
        if not found and allowed and entry.shows:
            found = visibility_problem(response, entry, persona, world)
        if found:
            body = response.content[:160].decode(errors="replace").replace("\n", " ")
            problems.append(f"{persona.name}: {found} — {body}")
    why = f" ({entry.why})" if entry.why else ""
    assert not problems, f"{key} under {entry.policy!r}{why}:\n  " + "\n  ".join(problems)
