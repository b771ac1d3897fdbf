"""What ticket work tells the layers above it (time capture, timesheets).

Servicedesk sits below timetracking and never imports it: the capture rules (timers that run
while a ticket is worked, an action's time becoming a time entry) connect to these signals in
their app's `ready()`. Every signal is sent inside the service's transaction, so a receiver
that raises a `DomainError` refuses the whole change.
"""

from django.dispatch import Signal

# The agent opened the ticket to work it: its page sends a POST once loaded (a GET, an API
# read or a prefetch never does). Args: ticket, actor, now.
ticket_opened = Signal()

# The agent asked to work on the ticket: the Start button (kind "") or an action button about
# to open the form for that kind. Args: ticket, actor, kind, now.
ticket_worked = Signal()

# An action is about to be written, before the ticket row is locked, so receivers can check
# their part of the input and take their own locks first (the order every time writer uses).
# Args: ticket, actor, time_seconds (None: what the timer counted; a number: that, 0: none).
action_preparing = Signal()

# The ticket is locked and the action checked: receivers log its time and return
# `(seconds, time_entry or None)`. Args: ticket, actor, time_seconds, new_status,
# charge_type, is_billable, note, stop_timer (the timer stops after logging), now, span
# (when the stated work happened, or None), capture (False: leave the timers alone),
# nonbillable_seconds (the part stated as not billable).
action_time_logging = Signal()

# A ticket's status changed (through an action, after the ticket was saved).
# Args: ticket, actor, old_status, new_status, now.
ticket_status_changed = Signal()
