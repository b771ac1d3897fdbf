"""Halo's ticket status ids (built-in defaults and an MSP's custom ones) and action outcomes.

Our tickets have five statuses; Halo names statuses by number. Halo's status table is per
tenant, but a fresh tenant ships with the ids below and scripts hard-code them (status_id 9
to close a ticket above all). The five that match one of ours are built in:

    1 New, 2 In Progress, 4 On Hold, 8 Resolved, 9 Closed

Ids 3, 5, 6 and 7 are left out on purpose: tenants name them differently ("Action Required",
"With User", "Waiting on Client", "With Supplier"...), so guessing a meaning would change a
ticket to something its old Halo never meant. An MSP whose scripts send them (or any custom
id) registers each as a `HaloStatus` onto one of our statuses. Reads always answer the
built-in id of the ticket's status: we keep our status, not the custom id that set it.
"""

from django.db import IntegrityError, transaction

from tallyhour.accounts.models import User
from tallyhour.accounts.permissions import can_admin
from tallyhour.core.audit import audit_record
from tallyhour.core.errors import Conflict, Forbidden, InvalidInput, full_clean_or_invalid
from tallyhour.halo.models import HaloStatus
from tallyhour.servicedesk.models import ActionKind, TicketStatus

# (Halo id, Halo's name, our status): one id per status, in Halo's order.
DEFAULT_STATUSES: tuple[tuple[int, str, str], ...] = (
    (1, "New", TicketStatus.NEW),
    (2, "In Progress", TicketStatus.IN_PROGRESS),
    (4, "On Hold", TicketStatus.ON_HOLD),
    (8, "Resolved", TicketStatus.RESOLVED),
    (9, "Closed", TicketStatus.CLOSED),
)
_ID_BY_STATUS = {status: halo_id for halo_id, _, status in DEFAULT_STATUSES}
_STATUS_BY_ID = {halo_id: status for halo_id, _, status in DEFAULT_STATUSES}
_NAME_BY_STATUS = {status: name for _, name, status in DEFAULT_STATUSES}
# Halo ids are 32-bit; anything larger is no id of ours and must not reach the database.
_MAX_ID = 2**31 - 1


def halo_status_id(status: str) -> int:
    """The Halo id a ticket of our `status` reads back with."""
    return _ID_BY_STATUS[TicketStatus(status)]


def halo_status_name(status: str) -> str:
    """Halo's name for the built-in id of our `status` (a ticket's `status_name`)."""
    return _NAME_BY_STATUS[TicketStatus(status)]


def status_for_halo_id(halo_id: int, field: str = "status_id") -> str:
    """Our status for a Halo id, built in or custom; an unknown id is bad input on `field`."""
    status = _STATUS_BY_ID.get(halo_id)
    if status is None and 0 < halo_id <= _MAX_ID:
        status = HaloStatus.objects.filter(halo_id=halo_id).values_list("status", flat=True).first()
    if status is None:
        raise InvalidInput(
            f"{field} {halo_id} is not a Halo status id known here (see /api/Status).",
            fields={field: "unknown status"},
        )
    return str(status)


def halo_statuses() -> list[tuple[int, str, str]]:
    """Every Halo status id we answer to: (id, name, our status), defaults then custom."""
    custom = HaloStatus.objects.order_by("halo_id").values_list("halo_id", "name", "status")
    return [*DEFAULT_STATUSES, *((i, n, str(s)) for i, n, s in custom)]


def _check(actor: User) -> None:
    if not can_admin(actor):
        raise Forbidden("Only admins map Halo status ids.")


@transaction.atomic
def halo_status_create(*, halo_id: int, name: str, status: str, actor: User) -> HaloStatus:
    """Map a custom Halo status id onto one of our statuses (admins only)."""
    _check(actor)
    if halo_id in _STATUS_BY_ID:
        raise Conflict(
            f"Halo status {halo_id} is built in ({_STATUS_BY_ID[halo_id]}); map other ids.",
            fields={"halo_id": "built in"},
        )
    if not isinstance(halo_id, int) or not 0 < halo_id <= _MAX_ID:
        raise InvalidInput("halo_id must be a positive whole number.", fields={"halo_id": "range"})
    taken = Conflict(f"Halo status {halo_id} is already mapped.", fields={"halo_id": "taken"})
    if HaloStatus.objects.filter(halo_id=halo_id).exists():
        raise taken
    row = HaloStatus(halo_id=halo_id, name=(name or "").strip(), status=status)
    full_clean_or_invalid(row)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:  # registered meanwhile by someone else
        raise taken from exc
    audit_record(
        actor=actor,
        action="halo_status.create",
        obj=row,
        after={"halo_id": halo_id, "name": row.name, "status": status},
    )
    return row


@transaction.atomic
def halo_status_delete(*, halo_status: HaloStatus, actor: User) -> None:
    """Forget a custom id: scripts sending it get a 422 again; tickets keep their status."""
    _check(actor)
    audit_record(
        actor=actor,
        action="halo_status.delete",
        obj=halo_status,
        before={"halo_id": halo_status.halo_id, "name": halo_status.name},
    )
    HaloStatus.objects.filter(pk=halo_status.pk).delete()


# --- action outcomes ------------------------------------------------------------------------

# (id, Halo's name, our action kind). Halo's outcomes are per tenant too; these three are what
# our actions can be, named as a fresh Halo names them, with ids that never change.
OUTCOMES: tuple[tuple[int, str, str], ...] = (
    (1, "Private Note", ActionKind.NOTE),
    (2, "Email User", ActionKind.REPLY),
    (3, "Change Status", ActionKind.STATUS_CHANGE),
)
_OUTCOME_BY_ID = {outcome_id: (name, kind) for outcome_id, name, kind in OUTCOMES}


def halo_outcomes() -> list[tuple[int, str, str]]:
    """Every outcome id we answer to: (id, name, our action kind)."""
    return list(OUTCOMES)


def outcome_for_id(outcome_id: int, field: str = "outcome_id") -> tuple[str, str]:
    """(name, action kind) of an outcome id; an unknown id is bad input on `field`."""
    found = _OUTCOME_BY_ID.get(outcome_id)
    if found is None:
        raise InvalidInput(
            f"{field} {outcome_id} is not an outcome id known here (see /api/Outcome).",
            fields={field: "unknown outcome"},
        )
    return found[0], str(found[1])
