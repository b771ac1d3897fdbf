"""HaloPSA's OAuth scopes (`all`, `admin`, `read:tickets edit:tickets`…) and what they reach.

A token from /auth/token keeps the Halo scopes it was granted. Each Halo request is checked
against them by resource (the path segment after /api/): `read:<area>` for reads, `edit:<area>`
for writes. They narrow the token's native scopes too, so the same bearer token cannot write
more on /api/v1 than its Halo scopes allow.
"""

from collections.abc import Iterable, Sequence

ALL = "all"
STANDARD = "all:standard"  # Halo's "everything but admin"
ADMIN = "admin"

# Areas with Halo resources here, and the native scopes their writes need (the first one is
# required for `edit:` to mean anything; the rest come along when the application holds them).
AREA_WRITE_SCOPES: dict[str, tuple[str, ...]] = {
    "tickets": ("time",),
    "projects": ("time",),
    "customers": ("billing",),
    "contracts": ("billing",),
    "invoices": ("billing",),
    "items": ("billing",),
    "timesheets": ("time", "approve"),
    "agents": ("admin",),
    "lookups": ("admin",),
}
# Configuration: the `admin` scope reaches these areas, `all:standard` only reads them.
ADMIN_AREAS = frozenset({"agents", "lookups"})
# Areas Halo documents that have no resources here: asking for them is no error, and grants
# nothing, so a script that asks for more than it uses still gets its token.
OTHER_HALO_AREAS = frozenset(
    {
        "assets",
        "calendar",
        "crm",
        "distributionlists",
        "faqlists",
        "kb",
        "purchaseorders",
        "quotes",
        "releases",
        "reporting",
        "sales",
        "salesorders",
        "services",
        "software",
        "suppliers",
    }
)

# Halo resource (lower case) → the areas whose scopes reach it.
RESOURCE_AREAS: dict[str, tuple[str, ...]] = {
    "tickets": ("tickets",),
    "actions": ("tickets",),
    "projects": ("tickets", "projects"),
    "client": ("customers",),
    "site": ("customers",),
    "users": ("customers",),
    "clientcontract": ("contracts",),
    "invoice": ("invoices",),
    "timesheet": ("timesheets",),
    "timesheetevent": ("timesheets",),
    "agent": ("agents",),
    "team": ("agents",),
    "status": ("lookups",),
    "tickettype": ("lookups",),
    "outcome": ("lookups",),
    "priority": ("lookups",),
    "lookup": ("lookups",),
    "item": ("items",),
}
# Readable with any Halo scope: who the token is, and the reference lists scripts read to
# turn names into ids.
READ_BY_ANY = frozenset(
    {"authinfo", "agent/me", "status", "tickettype", "outcome", "priority", "lookup"}
)


class UnknownScope(ValueError):
    """Scope names that are neither Halo's nor ours."""

    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def _known(name: str) -> bool:
    if name in (ALL, STANDARD, ADMIN):
        return True
    verb, _, area = name.partition(":")
    return verb in ("read", "edit") and (area in AREA_WRITE_SCOPES or area in OTHER_HALO_AREAS)


def parse(text: str) -> list[str]:
    """The requested scope names (space or comma separated, any case); none means `all`."""
    names: list[str] = []
    for name in text.replace(",", " ").lower().split():
        if name not in names:
            names.append(name)
    unknown = [name for name in names if not _known(name)]
    if unknown:
        raise UnknownScope(unknown)
    return names or [ALL]


def _native_for(name: str, held: Sequence[str]) -> set[str]:
    if name == ALL:
        return set(held)
    if name == STANDARD:
        return set(held) - {"admin"}
    if name == ADMIN:
        return {"read", "admin"}
    verb, _, area = name.partition(":")
    if verb == "edit" and area in AREA_WRITE_SCOPES:
        return {"read", *AREA_WRITE_SCOPES[area]}
    return {"read"} if area in AREA_WRITE_SCOPES else set()


def _effective(name: str, held: Sequence[str]) -> str | None:
    """What `name` amounts to with the native scopes `held`: itself, `read:` instead of an
    `edit:` the application cannot write, or nothing."""
    verb, _, area = name.partition(":")
    if name in (ALL, STANDARD):
        return name if set(held) - ({"admin"} if name == STANDARD else set()) else None
    if name == ADMIN:
        return name if "admin" in held else None
    if area not in AREA_WRITE_SCOPES or "read" not in held:
        return None
    if verb == "edit" and AREA_WRITE_SCOPES[area][0] not in held:
        return f"read:{area}"
    return name


def grant(requested: Iterable[str], held: Sequence[str]) -> tuple[list[str], list[str]]:
    """The Halo scopes granted (to store and report) and the native scopes they leave of
    `held`, in `held`'s order. Both are empty when nothing requested can be granted."""
    granted: list[str] = []
    for name in requested:
        effective = _effective(name, held)
        if effective is not None and effective not in granted:
            granted.append(effective)
    native: set[str] = set()
    for name in granted:
        native |= _native_for(name, held)
    return granted, [scope for scope in held if scope in native]


def resource_of(path: str) -> str:
    """`/api/Tickets/12` → `tickets`; `/api/Agent/me` → `agent/me`."""
    parts = [part.lower() for part in path.strip("/").split("/")]
    if len(parts) < 2 or parts[0] != "api":
        return ""
    if len(parts) > 2 and parts[2] == "me":
        return f"{parts[1]}/me"
    return parts[1]


def missing_scope(granted: Sequence[str], resource: str, write: bool) -> str | None:
    """The Halo scope a token with `granted` lacks for this request, or None when it may.
    An empty `granted` is a token not issued at /auth/token: Halo areas do not narrow it."""
    if not granted or ALL in granted:
        return None
    if not write and resource in READ_BY_ANY:
        return None
    areas = RESOURCE_AREAS.get(resource.split("/")[0], ())
    if not areas:
        return ALL  # a resource no area names is reached only with `all`
    for area in areas:
        if f"edit:{area}" in granted or (not write and f"read:{area}" in granted):
            return None
        if area in ADMIN_AREAS and ADMIN in granted:
            return None
        if STANDARD in granted and not (write and area in ADMIN_AREAS):
            return None
    if write and areas[0] in ADMIN_AREAS:
        return ADMIN
    return f"{'edit' if write else 'read'}:{areas[0]}"
