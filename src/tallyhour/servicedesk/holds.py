"""Tickets whose automatic capture the agent has held in this browser session.

When an agent stops or pauses a ticket's timer, coming back to the ticket's page (the
redirect after the stop, a reload, the back button) must not start it again: capture on
open resumes only once they start work on the ticket by hand (Start, Resume, an action).
"""

from django.http import HttpRequest

SESSION_KEY = "tallyhour_capture_held"
KEEP = 50  # the most recent tickets only: the session stays small


def capture_hold(request: HttpRequest, ticket_id: int) -> None:
    held = [t for t in request.session.get(SESSION_KEY, []) if t != ticket_id]
    request.session[SESSION_KEY] = [*held, ticket_id][-KEEP:]


def capture_release(request: HttpRequest, ticket_id: int) -> None:
    held = request.session.get(SESSION_KEY, [])
    if ticket_id in held:
        request.session[SESSION_KEY] = [t for t in held if t != ticket_id]


def capture_held(request: HttpRequest, ticket_id: int) -> bool:
    return ticket_id in request.session.get(SESSION_KEY, [])
