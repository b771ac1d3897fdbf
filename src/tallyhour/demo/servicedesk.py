"""Demo data for the service desk: ticket types, project tasks with budgets, and the actions
that logged the demo's ticket time. Called by `tallyhour demo` after tickets and time exist:

    from tallyhour.demo.servicedesk import load_demo_servicedesk
    load_demo_servicedesk(self.rng, charge_types=self.charge_types, actor=admin_user)
"""

import random
from decimal import Decimal

from django.db import transaction

from tallyhour.accounts.models import User
from tallyhour.servicedesk.models import Action, ActionKind, Ticket, TicketStatus, TicketType
from tallyhour.timetracking.models import ChargeType, TimeEntry

# Ticket type → the demo's charge type name it defaults to.
TYPES = {
    "Incident": ("Remote support", False),
    "Service request": ("Remote support", False),
    "Site visit": ("Onsite support", False),
    "Project": ("Project work", True),
    "Project task": ("Project work", False),
}
TASKS = [
    ("Survey and plan", Decimal("4")),
    ("Order and stage hardware", Decimal("6")),
    ("Install and migrate", Decimal("12")),
    ("Handover and documentation", Decimal("3")),
]
NOTES = [
    "Checked the logs and reproduced the fault.",
    "Remote session with the user; applied the fix.",
    "Updated the client and asked them to test.",
    "Escalated to the vendor; waiting on their reply.",
    "Cleaned up and documented the change.",
]
REPLIES = [
    "Thanks for the details, we are looking into it now.",
    "This should be working again; please let us know if not.",
    "We will be on site tomorrow morning to finish this.",
]


@transaction.atomic
def load_demo_servicedesk(
    rng: random.Random, *, charge_types: dict[str, ChargeType], actor: User
) -> str:
    """Types for every ticket, four budgeted tasks per project, an action per ticket entry."""
    types = {}
    for name, (charge_name, is_project) in TYPES.items():
        types[name], _ = TicketType.objects.get_or_create(
            name=name,
            defaults={
                "is_project": is_project,
                "default_charge_type": charge_types.get(charge_name),
            },
        )
    projects = []
    for ticket in Ticket.objects.filter(project__isnull=True).select_related("charge_type"):
        charge = ticket.charge_type.name if ticket.charge_type else ""
        if "Project" in charge or ": phase" in ticket.summary:
            ticket.ticket_type = types["Project"]
            ticket.budget_hours = Decimal(rng.choice([30, 40, 60]))
            projects.append(ticket)
        elif "Onsite" in charge:
            ticket.ticket_type = types["Site visit"]
        else:
            ticket.ticket_type = rng.choice([types["Incident"], types["Service request"]])
        ticket.save(update_fields=["ticket_type", "budget_hours"])

    tasks = []
    for project in projects:
        for index, (summary, budget) in enumerate(TASKS):
            done = project.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) or index < 2
            tasks.append(
                Ticket(
                    client=project.client,
                    summary=summary,
                    project=project,
                    ticket_type=types["Project task"],
                    charge_type=project.charge_type,
                    assignee=project.assignee,
                    budget_hours=budget,
                    status=TicketStatus.CLOSED if done else TicketStatus.IN_PROGRESS,
                )
            )
    Ticket.objects.bulk_create(tasks)
    # Spread each project's logged time over its tasks so the budget page has something
    # to show; a share stays on the project itself.
    by_project: dict[int, list[Ticket]] = {}
    for task in tasks:
        by_project.setdefault(task.project_id or 0, []).append(task)
    moved = []
    for entry in TimeEntry.objects.filter(ticket__in=projects, invoice_line__isnull=True):
        choices = by_project.get(entry.ticket_id or 0, [])
        if choices and rng.random() < 0.8:
            entry.ticket = rng.choice(choices)
            moved.append(entry)
    TimeEntry.objects.bulk_update(moved, ["ticket"])

    actions = []
    entries = TimeEntry.objects.filter(ticket__isnull=False, action__isnull=True).order_by(
        "started_at"
    )
    for entry in entries:
        assert entry.ticket_id is not None  # filtered above
        reply = rng.random() < 0.25
        actions.append(
            Action(
                ticket_id=entry.ticket_id,
                agent_id=entry.agent_id,
                kind=ActionKind.REPLY if reply else ActionKind.NOTE,
                body=rng.choice(REPLIES if reply else NOTES),
                client_visible=reply,
                time_entry=entry,
                created_at=entry.ended_at,
            )
        )
    Action.objects.bulk_create(actions, batch_size=500)
    return (
        f"{len(types)} ticket types, {len(projects)} projects with {len(tasks)} tasks, "
        f"{len(actions)} actions"
    )
