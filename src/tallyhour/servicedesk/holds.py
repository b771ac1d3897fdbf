"""Tickets whose automatic capture the agent has held in this browser session.

When an agent stops or pauses a ticket's timer, coming back to the ticket's page (the
redirect after the stop, a reload, the back button, a browser that sends no referrer) must
not start it again. For HOLD_SECONDS after the stop, capture on open leaves that ticket alone
unless they start work on it by hand (Start, Resume, an action); after that, opening the
ticket is working it again, as on any other day.
"""

from django.http import HttpRequest

from tallyhour.core import dates

SESSION_KEY = "tallyhour_capture_held"
HOLD_SECONDS = 30 * 60
KEEP = 50  # the most recent tickets only: the session stays small


def _held(request: HttpRequest) -> dict[str, float]:
    now = dates.now().timestamp()
    held = request.session.get(SESSION_KEY, {})
    if not isinstance(held, dict):  # an older session's shape
        return {}
    return {ticket: since for ticket, since in held.items() if now - since < HOLD_SECONDS}


def capture_hold(request: HttpRequest, ticket_id: int) -> None:
    held = _held(request)
    held.pop(str(ticket_id), None)
    held[str(ticket_id)] = dates.now().timestamp()
    request.session[SESSION_KEY] = dict(list(held.items())[-KEEP:])


def capture_release(request: HttpRequest, ticket_id: int) -> None:
    held = _held(request)
    if held.pop(str(ticket_id), None) is not None:  # else nothing to write to the session
        request.session[SESSION_KEY] = held


def capture_held(request: HttpRequest, ticket_id: int) -> bool:
    return str(ticket_id) in _held(request)
