"""The permission matrix: who may call every API operation, Halo route and page.

Each entry names a *policy* (which personas get past the permission checks) and, where one
endpoint differs from its policy, per-persona overrides. `test_matrix.py` turns the table into
one request per persona per entry and fails when an endpoint has no entry or an entry names an
endpoint that no longer exists.

Objects in URLs belong to Team A's `engineer` (see `conftest.World`), so the policies read as:

- PUBLIC      anyone, signed in or not
- ANY_STAFF   every staff user (what they then see is filtered to what they may see)
- OWN_TIME    the engineer who owns the time, and admins acting for them
- TEAM        the owner, their approver, billing and admin (reads of someone's time)
- APPROVER    whoever approves the owner's time (Team A's approver) and admins; nobody their own
- APPROVERS   users with the approver role (any team) and admins
- REPORTS     approvers of any team, billing and admin
- BILLING     billing and admin
- ADMIN       admin only
- NOBODY      refused to everyone (e.g. deleting a ticket through the Halo API)
- PORTAL      Acme's portal contact only (Acme's tickets, issued invoices); staff get 404
- PORTAL_ANY  any portal contact (each sees their own client's data)
- PORTAL_PUBLIC  the portal's sign-in pages: anyone

Client contacts get only what a PORTAL policy names; everywhere else the portal gate sends
them back to the portal (pages) or answers 403 (APIs).

Bearer tokens: a token persona is its user narrowed to one scope. It gets what its user gets
when the scope covers the request (reads need `read`; writes need the entry's `scope`, by
default the policy's) and 403 otherwise. Pages ignore bearer tokens: token personas are
anonymous there.

Lists open to many are also checked for what they show: `shows`/`seen_by` name a text only the
engineer's object carries and the policy of those who must (and, alone, may) see it.

Adding an endpoint: add its entry here (the coverage tests name what is missing). Adding a
persona: add it to PERSONAS and its user to `conftest._personas`, then to the policies that
let it in; every other policy then expects it to be refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.security.conftest import World

# --- personas ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    """Who calls: a staff user by session, a user's bearer token with some scopes, or nobody."""

    name: str
    user: str | None  # a user of the World (named as in tests/conftest.py); None: anonymous
    scopes: tuple[str, ...] | None = None  # a bearer token with exactly these scopes

    @property
    def is_token(self) -> bool:
        return self.scopes is not None


PERSONAS: tuple[Persona, ...] = (
    Persona("anonymous", None),
    Persona("engineer", "engineer"),
    Persona("other_engineer", "other_engineer"),  # Team B: outside the engineer's team
    Persona("approver", "approver"),  # approves Team A, so the engineer
    Persona("other_approver", "other_approver"),  # approves Team B only
    Persona("billing", "billing"),
    Persona("admin", "admin"),
    # One bearer token per scope, each on a user whose role allows it (scopes_for_role).
    Persona("token_read", "engineer", ("read",)),
    Persona("token_time", "engineer", ("time",)),
    Persona("token_approve", "approver", ("approve",)),
    Persona("token_billing", "billing", ("billing",)),
    Persona("token_admin", "admin", ("admin",)),
    # Client portal contacts sign in with a session only (their tokens open nothing).
    Persona("contact", "contact"),  # Acme's contact: Acme is the engineer's client
    Persona("other_contact", "other_contact"),  # Globex's contact: must never see Acme
)
PERSONA_NAMES = frozenset(p.name for p in PERSONAS)
SAMPLE_PERSONAS = frozenset({"anonymous", "engineer", "token_read", "contact"})

# --- policies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """A named set of user personas allowed past the permission checks, and the token scope a
    write under this policy needs."""

    name: str
    users: frozenset[str]
    write_scope: str | None

    def __repr__(self) -> str:
        return self.name


_STAFF = frozenset({"engineer", "other_engineer", "approver", "other_approver", "billing", "admin"})
_CONTACTS = frozenset({"contact", "other_contact"})

# Contacts are let in only where a policy names them: everything outside /portal/ sends them
# back to the portal (pages) or answers 403 (APIs), sign-in pages included.
PUBLIC = Policy("PUBLIC", _STAFF | {"anonymous"}, None)
PORTAL_PUBLIC = Policy("PORTAL_PUBLIC", _STAFF | _CONTACTS | {"anonymous"}, None)
PORTAL_ANY = Policy("PORTAL_ANY", _CONTACTS, None)
PORTAL = Policy("PORTAL", frozenset({"contact"}), None)
ANY_STAFF = Policy("ANY_STAFF", _STAFF, "time")
OWN_TIME = Policy("OWN_TIME", frozenset({"engineer", "admin"}), "time")
TEAM = Policy("TEAM", frozenset({"engineer", "approver", "billing", "admin"}), "time")
APPROVER = Policy("APPROVER", frozenset({"approver", "admin"}), "approve")
APPROVERS = Policy("APPROVERS", frozenset({"approver", "other_approver", "admin"}), "approve")
REPORTS = Policy("REPORTS", frozenset({"approver", "other_approver", "billing", "admin"}), "read")
BILLING = Policy("BILLING", frozenset({"billing", "admin"}), "billing")
ADMIN = Policy("ADMIN", frozenset({"admin"}), "admin")
NOBODY = Policy("NOBODY", frozenset(), "time")

Body = Callable[["World"], Any] | dict[str, Any] | list[Any] | None


@dataclass(frozen=True)
class Entry:
    """One endpoint: its policy, exceptions to it, and what the request carries."""

    policy: Policy
    allow: frozenset[str] = field(default_factory=frozenset)  # persona names let in besides
    deny: frozenset[str] = field(default_factory=frozenset)  # persona names kept out besides
    body: Body = None  # JSON (API, Halo) or form fields (pages); a callable gets the World
    query: Callable[[World], dict[str, str]] | dict[str, str] | None = None
    ids: dict[str, str] | None = None  # URL parameter -> World object, beyond the defaults
    scope: str | None = None  # the token scope a write needs, when not the policy's
    # Lists: World text (`shows`) found in the answer of exactly those allowed personas whose
    # user `seen_by` names, e.g. an engineer's note only for TEAM in a list open to ANY_STAFF.
    shows: str | None = None
    seen_by: Policy | None = None
    # Slow answers that do not depend on the caller: one persona of each kind is enough.
    sample: bool = False
    why: str = ""  # the reason for an override, shown when the entry fails

    def __post_init__(self) -> None:
        unknown = (self.allow | self.deny) - PERSONA_NAMES
        assert not unknown, f"unknown personas {sorted(unknown)}"


def E(
    policy: Policy, *, allow: tuple[str, ...] = (), deny: tuple[str, ...] = (), **kw: Any
) -> Entry:  # noqa: N802
    return Entry(policy, allow=frozenset(allow), deny=frozenset(deny), **kw)


# URL parameters and the World object (or value) they name unless an entry says otherwise.
DEFAULT_IDS = {
    "agent_id": "agent",
    "charge_type_id": "charge_type",
    "client_id": "client",
    "contract_id": "contract",
    "day": "day",
    "entry_id": "entry",
    "invoice_id": "invoice",
    "leave_id": "leave",
    "line_id": "line",
    "run_id": "run",
    "site_id": "site",
    "submission_id": "submission",
    "ticket_id": "ticket",
    "timer_id": "timer",
    "week": "week",
}

# Payments and emails are of the issued invoice (the World's `invoice` is a draft).
_ISSUED = {"invoice_id": "issued_invoice"}
_PAID = {"invoice_id": "issued_invoice", "payment_id": "payment"}
_PAYMENT = {"amount": "1.00", "received_on": "2026-11-20"}

REPORT_PERIOD = {"start": "2026-11-02", "end": "2026-11-29"}
NEW_ENTRY = {"started_at": "2026-11-24T14:00:00Z", "duration_minutes": 30}

# --- the native API: every operation in /api/v1/openapi.json -----------------------------------

API: dict[str, Entry] = {
    # crm
    "GET /api/v1/clients": E(ANY_STAFF),
    "POST /api/v1/clients": E(BILLING, body={"name": "Matrix Ltd"}),
    "GET /api/v1/clients/{client_id}": E(ANY_STAFF),
    "PATCH /api/v1/clients/{client_id}": E(BILLING, body={"name": "Acme plc"}),
    "GET /api/v1/clients/{client_id}/sites": E(ANY_STAFF),
    "POST /api/v1/clients/{client_id}/sites": E(BILLING, body={"name": "Matrix office"}),
    "GET /api/v1/clients/{client_id}/sites/{site_id}": E(ANY_STAFF),
    "PATCH /api/v1/clients/{client_id}/sites/{site_id}": E(BILLING, body={"name": "Matrix HQ"}),
    # service desk
    "GET /api/v1/tickets": E(ANY_STAFF),
    "POST /api/v1/tickets": E(
        ANY_STAFF, body=lambda w: {"client_id": w.pk("client"), "summary": "Scanner jams"}
    ),
    "GET /api/v1/tickets/{ticket_id}": E(ANY_STAFF),
    "PATCH /api/v1/tickets/{ticket_id}": E(ANY_STAFF, body={"summary": "Printer still offline"}),
    "GET /api/v1/tickets/{ticket_id}/actions": E(ANY_STAFF),
    "POST /api/v1/tickets/{ticket_id}/work": E(ANY_STAFF),
    "POST /api/v1/tickets/{ticket_id}/open": E(ANY_STAFF),
    "POST /api/v1/tickets/{ticket_id}/actions": E(
        ANY_STAFF, body={"body": "Checked the toner.", "time_minutes": 0}
    ),
    # agents and charge types
    "GET /api/v1/agents": E(ANY_STAFF, shows="agent_username", seen_by=TEAM),
    "GET /api/v1/charge-types": E(ANY_STAFF),
    "POST /api/v1/charge-types": E(ADMIN, body={"name": "Matrix work"}),
    "GET /api/v1/charge-types/{charge_type_id}": E(ANY_STAFF),
    "PATCH /api/v1/charge-types/{charge_type_id}": E(
        ADMIN, body={"rounding_increment_minutes": 15, "multiplier_weekend": "2"}
    ),
    # time entries
    "GET /api/v1/time-entries": E(ANY_STAFF, shows="entry_note", seen_by=TEAM),
    "POST /api/v1/time-entries": E(ANY_STAFF, body=NEW_ENTRY),
    "GET /api/v1/time-entries/{entry_id}": E(TEAM),
    "PATCH /api/v1/time-entries/{entry_id}": E(OWN_TIME, body={"note": "Edited"}),
    "DELETE /api/v1/time-entries/{entry_id}": E(OWN_TIME),
    "POST /api/v1/time-entries/{entry_id}/confirm": E(
        OWN_TIME, allow=("approver",), why="the agent's approver confirms capped time too"
    ),
    "GET /api/v1/time-entries/{entry_id}/history": E(TEAM),
    "POST /api/v1/time-entries/{entry_id}/write-off": E(
        APPROVER,
        ids={"entry_id": "entry_approved"},
        body={"billable_minutes": 30, "reason": "Training"},
    ),
    # timers (a timer is its agent's alone)
    "GET /api/v1/timers": E(
        ANY_STAFF, shows="timer_note", seen_by=Policy("OWNER", frozenset({"engineer"}), None)
    ),
    "POST /api/v1/timers": E(ANY_STAFF, body=lambda w: {"ticket_id": w.pk("ticket")}),
    "GET /api/v1/timers/{timer_id}": E(OWN_TIME),
    "POST /api/v1/timers/{timer_id}/pause": E(OWN_TIME),
    "POST /api/v1/timers/{timer_id}/resume": E(OWN_TIME),
    "POST /api/v1/timers/{timer_id}/stop": E(OWN_TIME, body={}),
    # timesheets and submissions
    "GET /api/v1/timesheets/{agent_id}/{week}": E(TEAM),
    "GET /api/v1/timesheets/{agent_id}/days/{day}": E(TEAM),
    "POST /api/v1/timesheets/{agent_id}/days/{day}/total": E(
        OWN_TIME, body=lambda w: {"ticket_id": w.pk("ticket"), "total_minutes": 30}
    ),
    "POST /api/v1/timesheets/{agent_id}/{week}/submit": E(
        OWN_TIME, ids={"week": "draft_week"}, body={}
    ),
    "POST /api/v1/timesheets/{agent_id}/{week}/copy-last-week": E(
        OWN_TIME, ids={"week": "draft_week"}
    ),
    "POST /api/v1/timesheets/{agent_id}/tickets/{ticket_id}/submit": E(OWN_TIME, body={}),
    "GET /api/v1/submissions": E(ANY_STAFF, shows="submission_comment", seen_by=TEAM),
    "GET /api/v1/submissions/{submission_id}": E(TEAM),
    "POST /api/v1/submissions/{submission_id}/recall": E(OWN_TIME),
    "POST /api/v1/submissions/{submission_id}/approve": E(APPROVER),
    "POST /api/v1/submissions/{submission_id}/reject": E(APPROVER, body={"reason": "Too vague"}),
    "POST /api/v1/submissions/{submission_id}/reject-entries": E(
        APPROVER,
        body=lambda w: {"entry_ids": [w.pk("entry_submitted")], "reason": "Wrong ticket"},
    ),
    "POST /api/v1/submissions/{submission_id}/reopen": E(
        APPROVER, ids={"submission_id": "approved_submission"}, body={"reason": "Rate query"}
    ),
    "GET /api/v1/approvals": E(ANY_STAFF, shows="submission_comment", seen_by=APPROVER),
    "POST /api/v1/approvals/bulk-approve": E(
        APPROVER, body=lambda w: {"submission_ids": [w.pk("submission")]}
    ),
    # billing
    "POST /api/v1/invoice-runs": E(BILLING, body={"cut_off": "2026-11-15"}),
    "GET /api/v1/invoice-runs/{run_id}": E(BILLING),
    "GET /api/v1/invoices": E(BILLING),
    "GET /api/v1/invoices/{invoice_id}": E(BILLING),
    "GET /api/v1/invoices/{invoice_id}/pdf": E(BILLING),
    "GET /api/v1/invoices/{invoice_id}/ubl": E(BILLING),
    "POST /api/v1/invoices/{invoice_id}/issue": E(BILLING),
    "POST /api/v1/invoices/{invoice_id}/void": E(BILLING, body={"reason": "Duplicate"}),
    "PATCH /api/v1/invoices/{invoice_id}": E(BILLING, body={"purchase_order": "PO-1"}),
    "POST /api/v1/invoices/{invoice_id}/lines": E(
        BILLING, body={"description": "Toner", "quantity": "1", "unit_price": "40.00"}
    ),
    "DELETE /api/v1/invoices/{invoice_id}/lines/{line_id}": E(BILLING),
    "POST /api/v1/invoices/{invoice_id}/credit": E(BILLING, body={"reason": "Goodwill"}),
    "POST /api/v1/invoices/{invoice_id}/paid": E(BILLING),
    "GET /api/v1/invoices/{invoice_id}/payments": E(BILLING),
    "POST /api/v1/invoices/{invoice_id}/payments": E(BILLING, ids=_ISSUED, body=_PAYMENT),
    "DELETE /api/v1/invoices/{invoice_id}/payments/{payment_id}": E(BILLING, ids=_PAID),
    "GET /api/v1/invoices/{invoice_id}/deliveries": E(BILLING),
    "POST /api/v1/invoices/{invoice_id}/send": E(BILLING, ids=_ISSUED, body={}),
    "POST /api/v1/invoice-runs/{run_id}/issue": E(BILLING, body={"invoice_ids": []}),
    # contracts and rates
    "GET /api/v1/contracts": E(BILLING),
    "POST /api/v1/contracts": E(
        BILLING,
        body=lambda w: {"client_id": w.pk("client"), "name": "T&M", "starts_on": "2026-12-01"},
    ),
    "GET /api/v1/contracts/{contract_id}/prepay": E(BILLING),
    "POST /api/v1/contracts/{contract_id}/prepay": E(
        BILLING, body={"hours": "5", "amount": "450.00"}
    ),
    "GET /api/v1/rates": E(BILLING),
    "POST /api/v1/rates": E(
        BILLING,
        body=lambda w: {
            "hourly_rate": "95.00",
            "valid_from": "2026-12-01",
            "client_id": w.pk("client"),
        },
    ),
    # reports: hours for approvers, money for billing
    "GET /api/v1/reports/utilisation": E(
        ANY_STAFF,
        query=REPORT_PERIOD,
        why="engineers get their own row only; the page is for managers",
    ),
    "GET /api/v1/reports/missed-hours": E(REPORTS, query=REPORT_PERIOD),
    "GET /api/v1/reports/unbilled": E(BILLING, query={"end": "2026-11-29"}),
    "GET /api/v1/reports/profitability": E(BILLING, query=REPORT_PERIOD),
    # leave: your own, or that of an agent you approve
    "GET /api/v1/leave": E(
        ANY_STAFF,
        shows="leave_note",
        seen_by=Policy("LEAVE", frozenset({"engineer", "approver", "billing", "admin"}), None),
    ),
    "POST /api/v1/leave": E(ANY_STAFF, body={"first_day": "2026-12-28"}),
    "DELETE /api/v1/leave/{leave_id}": E(
        OWN_TIME, allow=("approver",), why="an approver manages their agents' leave"
    ),
    # notices and tokens: each user's own
    "GET /api/v1/notices": E(ANY_STAFF),
    "POST /api/v1/notices/read": E(ANY_STAFF),
    "GET /api/v1/tokens": E(ANY_STAFF),
    "POST /api/v1/tokens": E(
        ANY_STAFF,
        scope="admin",
        deny=("token_admin",),
        body={"name": "Script", "scopes": ["read"]},
        why="minting takes the admin scope, and a token never mints scopes it lacks itself",
    ),
    "POST /api/v1/tokens/{token_id}/revoke": E(
        OWN_TIME,
        scope="admin",
        deny=("admin",),
        ids={"token_id": "token"},
        why="the API revokes only the caller's own tokens",
    ),
    # integrations: admins only
    "GET /api/v1/webhooks": E(ADMIN),
    "POST /api/v1/webhooks": E(ADMIN, body={"url": "http://127.0.0.1:9/other"}),
    "DELETE /api/v1/webhooks/{subscription_id}": E(ADMIN, ids={"subscription_id": "subscription"}),
    "GET /api/v1/webhook-deliveries": E(ADMIN),
    "POST /api/v1/webhook-deliveries/{delivery_id}/replay": E(
        ADMIN, ids={"delivery_id": "delivery"}
    ),
    "GET /api/v1/api-applications": E(ADMIN),
    "POST /api/v1/api-applications": E(
        ADMIN, body=lambda w: {"name": "PSA sync", "agent_id": w.pk("agent"), "act_as_other": True}
    ),
    "POST /api/v1/api-applications/{application_id}/revoke": E(
        ADMIN, ids={"application_id": "application"}
    ),
}

# --- the HaloPSA-compatible API (halo/urls.py) -------------------------------------------------

_EVENT = {"start_date": "2026-11-24T15:00:00Z", "timetaken": 0.5, "note": "Matrix"}

HALO: dict[str, Entry] = {
    "POST /auth/token": E(
        PUBLIC,
        body=lambda w: {
            "grant_type": "client_credentials",
            "client_id": w.values["halo_client_id"],
            "client_secret": w.values["halo_client_secret"],
        },
    ),
    "GET /api/Agent/me": E(ANY_STAFF),
    "GET /api/Agent": E(ANY_STAFF, shows="agent_email", seen_by=TEAM),
    "GET /api/Agent/{pk}": E(TEAM, ids={"pk": "agent"}),
    "GET /api/Client": E(ANY_STAFF),
    "GET /api/Client/{pk}": E(ANY_STAFF, ids={"pk": "client"}),
    "GET /api/ClientContract": E(BILLING),
    "GET /api/ClientContract/{pk}": E(BILLING, ids={"pk": "contract"}),
    "GET /api/Tickets": E(ANY_STAFF),
    "POST /api/Tickets": E(
        ANY_STAFF, body=lambda w: [{"client_id": w.pk("client"), "summary": "Scanner jams"}]
    ),
    "GET /api/Tickets/{pk}": E(ANY_STAFF, ids={"pk": "ticket"}),
    "DELETE /api/Tickets/{pk}": E(
        NOBODY, ids={"pk": "ticket"}, why="tickets are closed, never deleted"
    ),
    "GET /api/Actions": E(ANY_STAFF),
    "POST /api/Actions": E(
        ANY_STAFF, body=lambda w: [{"ticket_id": w.pk("ticket"), "note": "Checked the toner."}]
    ),
    "GET /api/Actions/{pk}": E(ANY_STAFF, ids={"pk": "action"}),
    "GET /api/Timesheet": E(
        TEAM, query=lambda w: {"agent_id": str(w.pk("agent")), "date": "2026-11-16"}
    ),
    "POST /api/Timesheet": E(
        APPROVER,
        body=lambda w: [{"agent_id": w.pk("agent"), "date": "2026-11-16", "_approve": True}],
    ),
    "GET /api/TimesheetEvent": E(ANY_STAFF, shows="entry_note", seen_by=TEAM),
    "POST /api/TimesheetEvent": E(ANY_STAFF, body=[_EVENT]),
    "GET /api/TimesheetEvent/{pk}": E(TEAM, ids={"pk": "entry"}),
    "DELETE /api/TimesheetEvent/{pk}": E(OWN_TIME, ids={"pk": "entry"}),
    "GET /api/Invoice": E(BILLING),
    "GET /api/Invoice/{pk}": E(BILLING, ids={"pk": "invoice"}),
    "GET /api/Lookup": E(ANY_STAFF, query={"lookupid": "17"}),
    "GET /api/Lookup/{pk}": E(ANY_STAFF, ids={"pk": "lookup"}),
    "GET /api/Client/me": E(
        NOBODY, why="tokens act for agents; Client/me answers a client user's own client"
    ),
    "GET /api/authinfo": E(ANY_STAFF),
    "GET /api/Status": E(ANY_STAFF),
    "GET /api/Status/{pk}": E(ANY_STAFF, ids={"pk": "halo_status"}),
    "GET /api/Priority": E(ANY_STAFF),
    "GET /api/Priority/{pk}": E(ANY_STAFF, ids={"pk": "priority"}),
    "GET /api/Outcome": E(ANY_STAFF),
    "GET /api/Outcome/{pk}": E(ANY_STAFF, ids={"pk": "outcome"}),
    "GET /api/TicketType": E(ANY_STAFF),
    "GET /api/TicketType/{pk}": E(ANY_STAFF, ids={"pk": "ticket_type"}),
    "GET /api/Team": E(ANY_STAFF),
    "GET /api/Team/{pk}": E(ANY_STAFF, ids={"pk": "team"}),
    "GET /api/Site": E(ANY_STAFF),
    "GET /api/Site/{pk}": E(ANY_STAFF, ids={"pk": "site"}),
    "GET /api/Users": E(ANY_STAFF),
    "GET /api/Users/{pk}": E(ANY_STAFF, ids={"pk": "portal_contact"}),
    "GET /api/Projects": E(ANY_STAFF),
    "GET /api/Projects/{pk}": E(ANY_STAFF, ids={"pk": "project"}),
}

# --- pages: every URL pattern outside /admin/, the API operations and the Halo routes ----------

# Not in the matrix, on purpose:
EXCLUDED_PAGE_PREFIXES = (
    "admin/",  # Django admin: staff/superuser flags, tested by Django itself
    "static/",  # static files (served by WhiteNoise, public by design)
    "media/",
)
EXCLUDED_PAGES = {
    "api/v1/",  # Ninja's API root: no view behind it, 404 for everyone
}

PAGES: dict[str, Entry] = {
    # sign in and out
    "GET /healthz": E(PUBLIC),
    "GET /readyz": E(PUBLIC),
    "GET /login/": E(PUBLIC),
    "POST /login/": E(PUBLIC, body={"username": "nobody", "password": "wrong"}),
    "POST /logout/": E(PUBLIC),
    # the API's own pages (docs are public; operations are in API above)
    "GET /api/v1/openapi.json": E(PUBLIC, sample=True),
    "GET /api/v1/docs": E(PUBLIC),
    "GET /halo/openapi.json": E(PUBLIC),  # the Halo routes' description, like the API's
    "GET /api/v1/docs/assets/<name>": E(PUBLIC, ids={"name": "css_asset"}),
    # my week, my day, my entries (every agent works on their own)
    "GET /": E(ANY_STAFF),
    "GET /week/": E(ANY_STAFF),
    "GET /week/<str:week>/": E(ANY_STAFF),
    "POST /week/<str:week>/submit/": E(ANY_STAFF, ids={"week": "draft_week"}),
    "POST /week/<str:week>/copy-last-week/": E(ANY_STAFF, ids={"week": "draft_week"}),
    "POST /week/<str:week>/grid/": E(ANY_STAFF, ids={"week": "draft_week"}),
    "GET /day/<str:day>/": E(ANY_STAFF),
    "POST /entries/": E(ANY_STAFF, body={"day": "2026-11-24", "start": "14:00", "minutes": "30"}),
    "GET /entries/<int:entry_id>/": E(TEAM),
    "GET /entries/<int:entry_id>/edit/": E(OWN_TIME),
    "POST /entries/<int:entry_id>/edit/": E(OWN_TIME, body={"note": "Edited"}),
    "POST /entries/<int:entry_id>/delete/": E(OWN_TIME),
    "POST /entries/<int:entry_id>/write-off/": E(
        APPROVER, ids={"entry_id": "entry_approved"}, body={"billable": "30m", "reason": "Training"}
    ),
    "POST /submissions/<int:submission_id>/recall/": E(OWN_TIME),
    "POST /tickets/<int:ticket_id>/submit-time/": E(ANY_STAFF),
    "GET /leave/": E(ANY_STAFF),
    "POST /leave/": E(ANY_STAFF, body={"first_day": "2026-12-28", "kind": "annual"}),
    "POST /leave/<int:leave_id>/delete/": E(
        OWN_TIME, deny=("admin",), why="the leave page manages only your own leave"
    ),
    # approvals
    "GET /approvals/": E(APPROVERS),
    "GET /approvals/<int:submission_id>/": E(APPROVER),
    "POST /approvals/bulk-approve/": E(
        APPROVER, body=lambda w: {"submission_ids": [w.pk("submission")]}
    ),
    "POST /approvals/<int:submission_id>/approve/": E(APPROVER),
    "POST /approvals/<int:submission_id>/reject/": E(APPROVER, body={"reason": "Too vague"}),
    "POST /approvals/<int:submission_id>/reopen/": E(
        APPROVER, ids={"submission_id": "approved_submission"}, body={"reason": "Rate query"}
    ),
    # timers
    "POST /timers/start/": E(ANY_STAFF, body=lambda w: {"ticket_id": w.pk("ticket")}),
    "GET /timers/<int:timer_id>/stop/": E(OWN_TIME),
    "POST /timers/<int:timer_id>/stop/": E(OWN_TIME),
    "POST /timers/<int:timer_id>/pause/": E(OWN_TIME),
    "POST /timers/<int:timer_id>/resume/": E(OWN_TIME),
    # service desk
    "GET /tickets/": E(ANY_STAFF),
    "GET /tickets/new/": E(ANY_STAFF),
    "POST /tickets/new/": E(
        ANY_STAFF, body=lambda w: {"client": w.pk("client"), "summary": "Scanner jams"}
    ),
    "GET /tickets/<int:ticket_id>/": E(ANY_STAFF),
    "POST /tickets/<int:ticket_id>/work/": E(ANY_STAFF),
    "POST /tickets/<int:ticket_id>/open/": E(ANY_STAFF),
    "POST /tickets/<int:ticket_id>/actions/": E(ANY_STAFF, body={"body": "Checked the toner."}),
    "POST /tickets/<int:ticket_id>/edit/": E(ANY_STAFF, body={"summary": "Printer still offline"}),
    "GET /tickets/<int:ticket_id>/project/": E(ANY_STAFF),
    # the ticket picker's search and pick (htmx fragments of the time forms)
    "GET /tickets/picker/search/": E(
        ANY_STAFF, query={"field": "ticket", "id": "id_ticket", "ticket_q": "Printer"}
    ),
    "GET /tickets/picker/pick/": E(
        ANY_STAFF,
        query=lambda w: {"field": "ticket", "id": "id_ticket", "ticket": str(w.pk("ticket"))},
    ),
    # notices
    "GET /notices/": E(ANY_STAFF),
    "POST /notices/read/": E(ANY_STAFF),
    # billing
    "GET /billing/": E(BILLING),
    "POST /billing/runs/": E(BILLING, body={"cut_off": "2026-11-15"}),
    "GET /billing/runs/<int:run_id>/": E(BILLING),
    "GET /billing/invoices/": E(BILLING),
    "GET /billing/invoices/<slug:kind>.csv": E(BILLING, ids={"kind": "csv_kind"}),
    "GET /billing/invoices/<int:invoice_id>/": E(BILLING),
    "GET /billing/invoices/<int:invoice_id>/download.<str:fmt>": E(BILLING, ids={"fmt": "fmt"}),
    "POST /billing/invoices/<int:invoice_id>/issue/": E(BILLING),
    "POST /billing/invoices/<int:invoice_id>/void/": E(BILLING, body={"reason": "Duplicate"}),
    "POST /billing/invoices/<int:invoice_id>/reference/": E(
        BILLING, body={"purchase_order": "PO-1"}
    ),
    "POST /billing/invoices/<int:invoice_id>/lines/": E(
        BILLING, body={"description": "Toner", "quantity": "1", "unit_price": "40.00"}
    ),
    "POST /billing/invoices/<int:invoice_id>/lines/<int:line_id>/remove/": E(BILLING),
    "POST /billing/invoices/<int:invoice_id>/credit/": E(BILLING, body={"reason": "Goodwill"}),
    "POST /billing/invoices/<int:invoice_id>/paid/": E(BILLING),
    "POST /billing/invoices/<int:invoice_id>/payments/": E(BILLING, ids=_ISSUED, body=_PAYMENT),
    "POST /billing/invoices/<int:invoice_id>/payments/<int:payment_id>/delete/": E(
        BILLING, ids=_PAID
    ),
    "POST /billing/invoices/<int:invoice_id>/send/": E(BILLING, ids=_ISSUED),
    "POST /billing/invoices/<int:invoice_id>/issue-send/": E(BILLING),
    "POST /billing/runs/<int:run_id>/issue/": E(BILLING),
    # charge types: billing reads the rules, admins change them
    "GET /settings/charge-types/": E(BILLING),
    "GET /settings/charge-types/new/": E(ADMIN),
    "POST /settings/charge-types/new/": E(ADMIN, body={"name": "Matrix work"}),
    "GET /settings/charge-types/<int:charge_type_id>/edit/": E(ADMIN),
    "POST /settings/charge-types/<int:charge_type_id>/edit/": E(
        ADMIN, body={"name": "Remote support", "rounding_increment_minutes": "15"}
    ),
    # clients: every staff user reads them, billing changes them
    "GET /clients/": E(ANY_STAFF),
    "GET /clients/<int:client_id>/": E(ANY_STAFF),
    "GET /clients/new/": E(BILLING),
    "POST /clients/new/": E(BILLING, body={"name": "Matrix Ltd", "currency": "GBP"}),
    "GET /clients/<int:client_id>/edit/": E(BILLING),
    "POST /clients/<int:client_id>/edit/": E(BILLING, body={"name": "Acme plc"}),
    "POST /clients/<int:client_id>/contacts/": E(
        BILLING, body={"name": "Alan Turing", "email": "alan@acme.example"}
    ),
    "POST /clients/<int:client_id>/contacts/<int:contact_id>/": E(
        BILLING, ids={"contact_id": "portal_contact"}, body={"change": "invoices_off"}
    ),
    "POST /clients/<int:client_id>/sites/": E(BILLING, body={"name": "Matrix office"}),
    "POST /clients/<int:client_id>/sites/<int:site_id>/": E(BILLING, body={"change": "deactivate"}),
    # contracts and rates
    "GET /contracts/": E(BILLING),
    "GET /contracts/new/": E(BILLING),
    "POST /contracts/new/": E(
        BILLING,
        body=lambda w: {
            "client": w.pk("client"),
            "name": "T&M",
            "kind": "time_and_materials",
            "starts_on": "2026-12-01",
        },
    ),
    "GET /contracts/<int:contract_id>/": E(BILLING),
    "POST /contracts/<int:contract_id>/prepay/": E(
        BILLING, body={"hours": "5", "amount": "450.00"}
    ),
    "GET /contracts/rates/": E(BILLING),
    "POST /contracts/rates/": E(BILLING, body={"hourly_rate": "95.00", "valid_from": "2026-12-01"}),
    # reports
    "GET /reports/utilisation/": E(REPORTS),
    "GET /reports/missed-hours/": E(REPORTS),
    "GET /reports/missed-hours/<slug:kind>/": E(REPORTS, ids={"kind": "missed_kind"}),
    "GET /reports/profitability/": E(BILLING),
    # settings
    "GET /settings/": E(ADMIN),
    "GET /settings/invoicing/": E(ADMIN),
    "POST /settings/invoicing/": E(
        ADMIN,
        body={
            "brand_colour": "#1f4e79",
            "locale": "en_GB",
            "payment_terms_days": "14",
            "invoice_hours_places": "2",
            "overdue_reminder_days": "7",
        },
    ),
    "GET /settings/tokens/": E(ANY_STAFF),
    "POST /settings/tokens/": E(ANY_STAFF, body={"name": "Script"}),
    "POST /settings/tokens/<int:pk>/revoke/": E(
        OWN_TIME, ids={"pk": "token"}, deny=("admin",), why="the page revokes only your own"
    ),
    "GET /settings/webhooks/": E(ADMIN),
    "POST /settings/webhooks/": E(ADMIN, body={"url": "http://127.0.0.1:9/other"}),
    "POST /settings/webhooks/<int:pk>/delete/": E(ADMIN, ids={"pk": "subscription"}),
    "POST /settings/webhooks/deliveries/<int:pk>/replay/": E(ADMIN, ids={"pk": "delivery"}),
    "GET /settings/api-applications/": E(ADMIN),
    "POST /settings/api-applications/": E(
        ADMIN, body=lambda w: {"name": "PSA sync", "agent_id": w.pk("agent"), "act_as_other": True}
    ),
    "POST /settings/api-applications/<int:pk>/revoke/": E(ADMIN, ids={"pk": "application"}),
    # the client portal: a contact sees their own client's tickets and billed work, nothing else
    "GET /portal/login/": E(PORTAL_PUBLIC),
    "GET /portal/brand.css": E(PORTAL_PUBLIC),  # the brand colour, for invoice documents
    "POST /portal/login/": E(PORTAL_PUBLIC, body={"username": "nobody@x.example", "password": "x"}),
    "POST /portal/logout/": E(PORTAL_PUBLIC),
    "GET /portal/accept/<str:token>/": E(PORTAL_PUBLIC, ids={"token": "invitation"}),
    "POST /portal/accept/<str:token>/": E(
        PORTAL_PUBLIC, ids={"token": "invitation"}, body={"password1": "a", "password2": "b"}
    ),
    "GET /portal/password-reset/": E(PORTAL_PUBLIC),
    "POST /portal/password-reset/": E(PORTAL_PUBLIC, body={"email": "nobody@x.example"}),
    "GET /portal/password-reset/sent/": E(PORTAL_PUBLIC),
    "GET /portal/password-reset/<uidb64>/<token>/": E(
        PORTAL_PUBLIC, ids={"uidb64": "reset_uid", "token": "reset_token"}
    ),
    "POST /portal/password-reset/<uidb64>/<token>/": E(
        PORTAL_PUBLIC, ids={"uidb64": "reset_uid", "token": "reset_token"}
    ),
    "GET /portal/password-reset/done/": E(PORTAL_PUBLIC),
    "GET /portal/": E(PORTAL_ANY),
    "GET /portal/tickets/": E(PORTAL_ANY, shows="ticket_summary", seen_by=PORTAL),
    "GET /portal/tickets/<int:ticket_id>/": E(PORTAL),
    "GET /portal/balance/": E(PORTAL_ANY),
    "GET /portal/invoices/": E(PORTAL_ANY, shows="invoice_number", seen_by=PORTAL),
    "GET /portal/invoices/<int:invoice_id>/": E(PORTAL, ids={"invoice_id": "issued_invoice"}),
    "GET /portal/invoices/<int:invoice_id>/pdf/": E(PORTAL, ids={"invoice_id": "issued_invoice"}),
    "GET /portal/invoices/<int:invoice_id>/lines/<int:line_id>/": E(
        PORTAL, ids={"invoice_id": "issued_invoice", "line_id": "issued_line"}
    ),
    "GET /portal/statement/": E(PORTAL_ANY),
    "GET /portal/statement.csv": E(PORTAL_ANY),
}
