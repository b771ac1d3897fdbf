"""`tallyhour demo`: load a realistic MSP so every page has something to show.

Six weeks of time for ten agents, ending today in each agent's zone, in every state of the
chain: invoiced, approved and waiting for the next invoice run, submitted, rejected, and this
week's drafts. Submissions, approvals, the invoice run, issuing and the running timer go
through the app's own services, so their checks, locks and audit rows are real; the time
entries are written in bulk with the audit rows their service would write (see
`save_entries`). A fixed seed gives the same data for the same day. Running it again on a
database that has the demo changes nothing.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from tallyhour.accounts.calendars import calendar_for
from tallyhour.accounts.demo import load_demo_calendar
from tallyhour.accounts.models import Agent, Organisation, Role, Team, User, Workday
from tallyhour.accounts.selectors import approvers_of
from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.models import Invoice, InvoiceState
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.contracts.demo import load_demo_contracts
from tallyhour.core import dates
from tallyhour.core.audit import snapshot
from tallyhour.core.models import AuditEntry
from tallyhour.crm.demo import load_demo_contacts
from tallyhour.crm.models import Client, Contact
from tallyhour.servicedesk.demo import load_demo_servicedesk
from tallyhour.servicedesk.models import Ticket, TicketStatus
from tallyhour.timesheets.services import (
    submission_approve,
    submission_reject,
    submission_submit,
)
from tallyhour.timetracking.models import ChargeType, EntrySource, EntryState, TimeEntry
from tallyhour.timetracking.services import ENTRY_FIELDS
from tallyhour.timetracking.timers import timer_start

DEMO_PASSWORD = "demo"  # noqa: S105 - published in the README and printed by the command
MARKER_USERNAME = "engineer1"
WEEKS = 6
DOMAIN = "northwind-it.example"

SERVICE_DESK, PROJECTS = "Service Desk", "Projects"
REMOTE, ONSITE, PROJECT, OUT_OF_HOURS = (
    "Remote support",
    "Onsite support",
    "Project work",
    "Out-of-hours",
)
INTERNAL, TRAINING, TRAVEL, ADMIN = "Internal", "Training", "Travel", "Admin"
BILLABLE_RATES = {REMOTE: "85.00", ONSITE: "110.00", PROJECT: "125.00", OUT_OF_HOURS: "160.00"}
NON_BILLABLE = (INTERNAL, TRAINING, TRAVEL, ADMIN)


@dataclass(frozen=True)
class Person:
    """A demo user; agents log time, the billing user does not."""

    username: str
    first_name: str
    last_name: str
    role: str
    team: str = ""
    timezone: str = "Europe/London"
    early: bool = False  # works 08:00–16:30 instead of 09:00–17:30
    cost_rate: str = "0"
    target: str = "0.750"
    load: tuple[int, int] = (360, 480)  # minutes logged on an ordinary day
    training_weekday: int | None = None
    is_agent: bool = True

    @property
    def is_engineer(self) -> bool:
        return self.role == Role.ENGINEER


ENGINEER = Role.ENGINEER
# fmt: off
PEOPLE = [
    Person("admin", "Grace", "Holloway", Role.ADMIN, PROJECTS, cost_rate="55.00",
           target="0.300", load=(150, 270)),
    Person("approver", "Daniel", "Okafor", Role.APPROVER, SERVICE_DESK, cost_rate="42.00",
           target="0.450", load=(210, 330)),
    Person("billing", "Priya", "Shah", Role.BILLING, is_agent=False),
    Person("engineer1", "Tom", "Bradley", ENGINEER, SERVICE_DESK, early=True,
           cost_rate="30.00", target="0.800", training_weekday=3),
    Person("engineer2", "Aisha", "Rahman", ENGINEER, SERVICE_DESK, cost_rate="32.00",
           target="0.800"),
    Person("engineer3", "Liam", "Doherty", ENGINEER, SERVICE_DESK, early=True,
           cost_rate="28.00", target="0.800", training_weekday=1),
    Person("engineer4", "Sophie", "Marsh", ENGINEER, SERVICE_DESK, cost_rate="31.00",
           target="0.800"),
    Person("engineer5", "Jonas", "Weber", ENGINEER, SERVICE_DESK, timezone="Europe/Berlin",
           early=True, cost_rate="34.00", target="0.750", training_weekday=4),
    Person("engineer6", "Megan", "Price", ENGINEER, PROJECTS, early=True, cost_rate="38.00",
           target="0.750"),
    Person("engineer7", "Callum", "Fraser", ENGINEER, PROJECTS, cost_rate="36.00",
           target="0.750", training_weekday=2),
    Person("engineer8", "Ethan", "Brooks", ENGINEER, PROJECTS, timezone="America/New_York",
           cost_rate="40.00", target="0.700"),
]
# fmt: on
TEAM_APPROVERS = {SERVICE_DESK: "approver", PROJECTS: "admin"}
# The leads' own weeks are approved by each other (nobody approves their own time).
LEAD_APPROVERS = {"approver": "admin", "admin": "approver"}
HOLIDAY_REGIONS = {
    "Europe/London": ("GB", "ENG"),
    "Europe/Berlin": ("DE", "BE"),
    "America/New_York": ("US", "NY"),
}

# What happened to last week's timesheet; older weeks are all approved, this week is draft.
LAST_WEEK = {
    "admin": "submitted",
    "approver": "submitted",
    "engineer1": "submitted",
    "engineer2": "draft",
    "engineer3": "submitted",
    "engineer4": "rejected",
    "engineer5": "submitted",
    "engineer6": "submitted",
    "engineer7": "approved",
    "engineer8": "draft",
}
REJECTED_AGENT = "engineer4"
REJECTION_REASON = (
    "Wednesday afternoon is missing. Please add the time, or a comment saying why there is a "
    "gap, and resubmit."
)
TIMER_AGENT = "engineer2"


@dataclass(frozen=True)
class ClientSpec:
    """A demo client and how much work it sends."""

    name: str
    address: str
    size: int  # relative share of tickets
    currency: str = "GBP"
    tax_rate: str = "20.00"
    projects: bool = False
    terms: int | None = None


CLIENTS = [
    ClientSpec("Harrow & Finch Solicitors LLP", "14 Bank Street\nLeeds\nLS1 5AT", 9, projects=True),
    ClientSpec("Brightwater Dental Practice", "3 Chapel Road\nHarrogate\nHG1 1BD", 5),
    ClientSpec(
        "Calder Valley Engineering Ltd",
        "Unit 7, Mill Lane Industrial Estate\nHalifax\nHX3 6TR",
        8,
        projects=True,
        terms=30,
    ),
    ClientSpec("Pennine Property Management Ltd", "22 Station Parade\nSkipton\nBD23 1ND", 6),
    ClientSpec("Ashdown Veterinary Group", "The Old Forge, Main Street\nIlkley\nLS29 9DT", 5),
    ClientSpec("Marlowe Architects Ltd", "5 Wharf Approach\nLeeds\nLS1 4BR", 6, projects=True),
    ClientSpec(
        "Redbrook Logistics Ltd",
        "Redbrook House, Junction 41 Business Park\nWakefield\nWF2 0XJ",
        8,
        projects=True,
        terms=30,
    ),
    ClientSpec("St Aldhelm's Primary Academy", "School Lane\nOtley\nLS21 3HB", 4),
    ClientSpec("Thornbury Accountancy Services", "41 Westgate\nBradford\nBD1 2QR", 5),
    ClientSpec("Kestrel Marketing Ltd", "Studio 3, The Round Foundry\nLeeds\nLS11 5QP", 4),
    ClientSpec(
        "Oakfield Care Homes Ltd", "Oakfield House, Moor Road\nKeighley\nBD21 4AP", 7, projects=True
    ),
    ClientSpec("Northgate Builders Merchants Ltd", "Northgate Yard\nDewsbury\nWF13 1EA", 5),
    ClientSpec("Wrenfield Financial Planning Ltd", "8 Albion Place\nLeeds\nLS1 6JL", 4),
    ClientSpec("Bramley & Sons Estate Agents", "117 Town Street\nBramley\nLS13 2AZ", 3),
    ClientSpec("Ironbridge Print Works Ltd", "Unit 2, Canal Wharf\nHuddersfield\nHD1 6QA", 4),
    ClientSpec("Heron Point Hotels Ltd", "Heron Point, Lakeside Road\nWindermere\nLA23 1BQ", 5),
    ClientSpec("Castlegate Physiotherapy Clinic", "9 Castlegate\nYork\nYO1 9RN", 3),
    ClientSpec("Meridian Recruitment Partners Ltd", "Floor 4, 1 Park Row\nLeeds\nLS1 5AB", 4),
    # A UK subsidiary whose Dutch parent pays its IT bills in euros.
    ClientSpec(
        "Vanderberg Freight UK Ltd", "Dock Road\nHull\nHU9 1TA", 4, currency="EUR", projects=True
    ),
    # Jersey is outside the UK VAT area, so its invoices carry no VAT.
    ClientSpec(
        "St Helier Marine Insurance Ltd",
        "12 Esplanade\nSt Helier\nJersey\nJE2 3QA",
        3,
        tax_rate="0.00",
    ),
]

CONTACTS = [
    "Sarah",
    "James",
    "Helen",
    "Mark",
    "Rachel",
    "Paul",
    "Emma",
    "Chris",
    "Laura",
    "Gareth",
    "Nicola",
    "Ian",
    "Joanne",
    "Andrew",
    "Kirsty",
    "Stuart",
    "Hannah",
    "Neil",
    "Claire",
    "Dominic",
]
SUMMARIES = {
    "remote": [
        "Outlook keeps asking for password",
        "Printer on first floor offline",
        "VPN drops every few minutes",
        "Shared mailbox not showing in Outlook",
        "Leaver: disable account and archive mailbox for {person}",
        "Teams calls dropping audio",
        "OneDrive not syncing",
        "MFA reset for {person}",
        "Phishing email reported by {person}",
        "Backup job failed overnight",
        "SSL certificate renewal for website",
        "Scan to email not working",
        "Laptop running very slowly",
        "Password reset and account unlock for {person}",
        "Install Adobe Acrobat Pro for {person}",
        "Server disk space low",
        "Calendar permissions for PA",
        "Domain renewal",
        "Set up email on {person}'s new phone",
        "Emails to external domain bouncing",
        "Mapped drives missing after login",
        "Cannot print PDF attachments",
        "Antivirus alert on reception PC",
        "Sage payroll update",
        "Add {person} to accounts distribution list",
        "Voicemail to email not arriving",
        "Quarterly patching review",
        "Excel crashes when opening shared workbook",
        "Wi-Fi password change for guests",
        "Recover deleted folder from SharePoint",
    ],
    "onsite": [
        "New starter laptop setup for {person}",
        "Office move: patch and test desks",
        "Set up new Wi-Fi access point",
        "Replace failed disk in NAS",
        "Switch port not working at desk 14",
        "Install meeting room screen and camera",
        "Replace UPS batteries in comms cabinet",
        "Wi-Fi slow in meeting room",
        "CCTV recorder offline",
    ],
    "ooh": [
        "Firewall firmware update",
        "Out-of-hours server patching",
        "Weekend switch replacement",
        "Evening mail flow cutover",
        "Core switch reboot window",
    ],
    "project": [
        "Microsoft 365 migration",
        "Intune device enrolment rollout",
        "Server 2016 decommission",
        "New branch office network",
        "SharePoint document library migration",
        "Backup platform replacement",
        "Cyber Essentials Plus remediation",
        "Firewall replacement project",
        "Wi-Fi survey and upgrade",
        "Windows 11 rollout",
        "Conditional access rollout",
        "Azure Virtual Desktop pilot",
    ],
}
KIND_CHARGE = {"remote": REMOTE, "onsite": ONSITE, "ooh": OUT_OF_HOURS, "project": PROJECT}
TICKET_NOTES = {
    "remote": [
        "Remote session with the user",
        "Investigated logs and settings",
        "Applied fix and asked the user to test",
        "Called the user to confirm it is fixed",
        "Reproduced the issue, escalated to the vendor",
        "Updated the client's documentation",
        "Checked the configuration against our standard",
        "Chased the user for an update",
        "Applied updates and rebooted",
    ],
    "onsite": [
        "On site: installed and configured",
        "On site: replaced hardware and tested",
        "On site: cabling and patching",
        "On site: set up user and handed over",
    ],
    "ooh": [
        "Maintenance window: update applied and services checked",
        "Evening work: change completed, monitoring clean",
    ],
    "project": [
        "Planning session with the client",
        "Build and configuration",
        "Testing with the pilot group",
        "Wrote the runbook and rollback plan",
        "Progress call with the client",
        "Fixed issues found in testing",
    ],
}
INTERNAL_NOTES = [
    "Patch review meeting",
    "Knowledge base write-up",
    "Monitoring alerts triage",
    "Lab testing new RMM policy",
]
TRAINING_NOTES = [
    "Microsoft 365 administration course",
    "Fortinet NSE module",
    "Azure fundamentals study",
    "Security awareness training",
]
LEAD_ADMIN_NOTES = {
    "approver": ["Rota, approvals and escalations", "Service review prep", "Queue review"],
    "admin": ["Account management call", "Quotes and proposals", "Supplier meeting"],
}
SHORT_DAY_REASONS = [
    "dentist appointment",
    "half day leave",
    "left early, unwell",
    "school pick-up, made up later",
]
DURATIONS = [15, 20, 30, 30, 45, 45, 60, 60, 75, 90, 120]


@dataclass
class TicketPlan:
    """A ticket and the days it is worked on (no days: not started yet)."""

    kind: str
    client: Client
    summary: str
    details: str
    assignee: User | None
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    status: str = TicketStatus.NEW
    created_at: dt.datetime | None = None
    ticket: Ticket | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.first_day is not None and self.first_day <= day <= self.last_day  # type: ignore[operator]


@dataclass
class Block:
    """One planned entry: minutes of work on a ticket or an activity."""

    minutes: int
    note: str
    ticket: TicketPlan | None = None
    charge_type: str | None = None  # None: the ticket's charge type

    @property
    def charge_type_name(self) -> str:
        if self.charge_type:
            return self.charge_type
        assert self.ticket is not None
        return KIND_CHARGE[self.ticket.kind]


class Command(BaseCommand):
    help = "Load a demo MSP (users, clients, tickets, six weeks of time, invoices). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username=MARKER_USERNAME).exists():
            self.stdout.write("The demo MSP is already loaded; nothing changed.")
        else:
            if Client.objects.exists() or TimeEntry.objects.exists():
                raise CommandError(
                    "This database already holds clients or time; the demo only loads into an "
                    "empty database."
                )
            started = time.monotonic()
            # The demo's submissions and rejections would mail every approver and agent.
            with override_settings(EMAIL_BACKEND=QUIET_MAIL), transaction.atomic():
                summary = DemoBuilder(seed=options["seed"], now=dates.now()).build()
            self.stdout.write(f"{summary} in {time.monotonic() - started:.1f} s.")
        self.stdout.write(
            "Demo MSP ready: http://127.0.0.1:8000\n"
            "  admin / demo      (admin)\n"
            "  approver / demo   (approver)\n"
            "  billing / demo    (billing)\n"
            "  engineer1..engineer8 / demo (engineers)"
        )
        for contact in Contact.objects.filter(user__isnull=False).select_related("client"):
            self.stdout.write(
                f"  {contact.email} / demo (client portal at /portal/login/, {contact.client.name})"
            )


QUIET_MAIL = "django.core.mail.backends.locmem.EmailBackend"


class DemoBuilder:
    def __init__(self, *, seed: int, now: dt.datetime):
        self.rng = random.Random(seed)
        self.now = now.replace(microsecond=0)
        self.org_zone = ZoneInfo("Europe/London")
        self.users: dict[str, User] = {}
        self.charge_types: dict[str, ChargeType] = {}
        self.clients: list[tuple[ClientSpec, Client]] = []
        self.tickets: list[TicketPlan] = []
        # Last entry end per (username, week Monday), for realistic submission times.
        self.week_last_end: dict[tuple[str, dt.date], dt.datetime] = {}
        self.week_notes: dict[tuple[str, dt.date], list[str]] = {}
        self.pending: list[TimeEntry] = []
        self.password_hash = ""

    def build(self) -> str:
        self.organisation()
        self.charge_type_list()
        self.people()
        today = dates.local_date(self.now, self.org_zone)
        engineers = Agent.objects.filter(
            user__username__in=[p.username for p in PEOPLE if p.is_engineer]
        ).order_by("user__username")
        load_demo_calendar(self.rng, list(engineers), today)
        self.client_list()
        load_demo_contracts(
            self.rng, [client for _, client in self.clients][:6], today=today, now=self.now
        )
        self.ticket_list()
        timer_since = self.now - dt.timedelta(minutes=17)
        for person in PEOPLE:
            if person.is_agent:
                limit = timer_since if person.username == TIMER_AGENT else self.now
                self.log_time(person, limit)
        self.save_entries()
        load_demo_servicedesk(self.rng, charge_types=self.charge_types, actor=self.users["admin"])
        self.timesheets()
        invoices, issued = self.billing()
        self.running_timer(timer_since)
        load_demo_contacts(
            [client for _, client in self.clients], password_hash=self.password_hash, now=self.now
        )
        return (
            f"Loaded {len([p for p in PEOPLE if p.is_agent])} agents, {len(self.clients)} clients, "
            f"{len(self.tickets)} tickets, {len(self.pending)} time entries, "
            f"{invoices} invoices ({issued} issued)"
        )

    # --- configuration ---------------------------------------------------------------------

    def organisation(self) -> None:
        org = Organisation.current()
        org.name, org.timezone, org.currency = "Northwind IT Services", "Europe/London", "GBP"
        org.address = (
            "Unit 4, Riverside Business Park\nBridge Road\nLeeds\nLS11 5DD\nUnited Kingdom"
        )
        org.tax_id = "GB 284 6315 72"
        org.email = f"accounts@{DOMAIN}"
        org.payment_terms_days = 14
        org.save()

    def charge_type_list(self) -> None:
        for name, rate in BILLABLE_RATES.items():
            self.charge_types[name], _ = ChargeType.objects.get_or_create(
                name=name, defaults={"is_billable": True, "hourly_rate": Decimal(rate)}
            )
        for name in NON_BILLABLE:
            self.charge_types[name], _ = ChargeType.objects.get_or_create(
                name=name, defaults={"is_billable": False, "hourly_rate": Decimal("0")}
            )

    def people(self) -> None:
        # Every demo user shares the published password, so one hash serves them all (hashing
        # is deliberately slow and would otherwise dominate the load time).
        password = self.password_hash = make_password(DEMO_PASSWORD)
        for person in PEOPLE:
            is_admin = person.role == Role.ADMIN
            self.users[person.username], _ = User.objects.get_or_create(
                username=person.username,
                defaults={
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "email": f"{person.first_name}.{person.last_name}@{DOMAIN}".lower(),
                    "role": person.role,
                    "password": password,
                    "is_staff": is_admin,
                    "is_superuser": is_admin,
                },
            )
        teams = {
            name: Team.objects.get_or_create(
                name=name, defaults={"approver": self.users[approver]}
            )[0]
            for name, approver in TEAM_APPROVERS.items()
        }
        for person in PEOPLE:
            if not person.is_agent:
                continue
            default = PROJECT if person.team == PROJECTS else REMOTE
            lead = LEAD_APPROVERS.get(person.username)
            agent, _ = Agent.objects.get_or_create(
                user=self.users[person.username],
                defaults={
                    "timezone": person.timezone,
                    "timesheet_approver": self.users[lead] if lead else None,
                    "default_charge_type": self.charge_types[default],
                    "cost_rate": Decimal(person.cost_rate),
                    "target_utilisation": Decimal(person.target),
                    # Agents abroad keep their own country's public holidays.
                    "holiday_country": HOLIDAY_REGIONS[person.timezone][0]
                    if person.timezone != "Europe/London"
                    else "",
                    "holiday_subdivision": HOLIDAY_REGIONS[person.timezone][1]
                    if person.timezone != "Europe/London"
                    else "",
                },
            )
            agent.teams.add(teams[person.team])
            if not agent.workdays.exists():
                start, end = (
                    (dt.time(8), dt.time(16, 30)) if person.early else (dt.time(9), dt.time(17, 30))
                )
                Workday.objects.bulk_create(
                    Workday(agent=agent, weekday=day, start=start, end=end, break_minutes=30)
                    for day in range(5)
                )

    def client_list(self) -> None:
        for spec in CLIENTS:
            slug = "".join(c for c in spec.name.lower().split(" ")[0] if c.isalnum())
            client = Client.objects.create(
                name=spec.name,
                currency=spec.currency,
                tax_rate=Decimal(spec.tax_rate),
                billing_address=spec.address,
                billing_email=f"accounts@{slug}.example",
                tax_id="" if spec.tax_rate == "0.00" else self.vat_number(),
                payment_terms_days=spec.terms,
            )
            self.clients.append((spec, client))

    def vat_number(self) -> str:
        rng = self.rng
        return f"GB {rng.randint(100, 999)} {rng.randint(1000, 9999)} {rng.randint(10, 99)}"

    # --- tickets ---------------------------------------------------------------------------

    def london_work_days(self) -> list[dt.date]:
        today = dates.local_date(self.now, self.org_zone)
        first = dates.week_start(today) - dt.timedelta(weeks=WEEKS - 1)
        closed = holidays.country_holidays("GB", subdiv="ENG", years={first.year, today.year})
        return [d for d in dates.days(first, today) if d.weekday() < 5 and d not in closed]

    def new_ticket(
        self, kind: str, assignee: User | None, *, projects_only: bool = False
    ) -> TicketPlan:
        pool = [(s, c) for s, c in self.clients if s.projects or not projects_only]
        spec, client = self.rng.choices(pool, weights=[s.size for s, _ in pool])[0]
        person = self.rng.choice(CONTACTS)
        summary = self.rng.choice(SUMMARIES[kind]).format(person=person)
        if kind == "project":
            summary = f"{summary}: phase {self.rng.randint(1, 3)}"
        channel = self.rng.choice(["phone", "email", "the portal", "monitoring alert"])
        details = (
            f"Raised by {person} at {client.name} via {channel}."
            if kind != "project"
            else f"Project for {client.name}; contact {person}."
        )
        return TicketPlan(
            kind=kind, client=client, summary=summary, details=details, assignee=assignee
        )

    def ticket_list(self) -> None:
        """150 tickets: each engineer's worked tickets spread over the six weeks so that
        something is always in hand, plus a few new ones nobody has started."""
        days = self.london_work_days()
        far = days[-1] + dt.timedelta(days=60)
        plans: list[TicketPlan] = []
        for person in PEOPLE:
            if not person.is_engineer:
                continue
            user = self.users[person.username]
            if person.team == SERVICE_DESK:
                kinds = self.rng.choices(["remote", "onsite", "ooh"], weights=[72, 20, 8], k=21)
            else:
                kinds = ["project"] * 7 + self.rng.choices(["remote", "onsite"], k=4)
                self.rng.shuffle(kinds)
            for i, kind in enumerate(kinds):
                plan = self.new_ticket(kind, user, projects_only=kind == "project")
                start = min(len(days) - 1, i * len(days) // len(kinds) + self.rng.randint(0, 1))
                length = (
                    self.rng.choice([8, 10, 12, 14, 16])
                    if kind == "project"
                    else self.rng.choice([2, 3, 3, 4, 5])
                )
                end = start + length - 1
                plan.first_day = days[start]
                plan.last_day = days[end] if end < len(days) else far
                if end >= len(days) - 1:
                    plan.status = self.rng.choices(
                        [TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD], weights=[4, 1]
                    )[0]
                elif end >= len(days) - 3:
                    plan.status = TicketStatus.RESOLVED
                else:
                    plan.status = self.rng.choices(
                        [TicketStatus.CLOSED, TicketStatus.RESOLVED], weights=[6, 1]
                    )[0]
                # Logged the afternoon before someone picks it up.
                logged = plan.first_day - dt.timedelta(
                    days=3 if plan.first_day.weekday() == 0 else 1
                )
                opened = dt.time(self.rng.randint(13, 17), self.rng.choice([0, 10, 25, 40, 55]))
                plan.created_at = dt.datetime.combine(logged, opened, self.org_zone)
                plans.append(plan)
        engineers = [
            self.users[p.username] for p in PEOPLE if p.is_engineer and p.team == SERVICE_DESK
        ]
        while len(plans) < 150:
            assignee = self.rng.choice(engineers) if self.rng.random() < 0.6 else None
            plan = self.new_ticket(
                self.rng.choices(["remote", "onsite"], weights=[4, 1])[0], assignee
            )
            plan.created_at = self.now - dt.timedelta(minutes=self.rng.randint(20, 26 * 60))
            plans.append(plan)
        plans.sort(key=lambda p: p.created_at or self.now)
        tickets = Ticket.objects.bulk_create(
            Ticket(
                client=p.client,
                summary=p.summary,
                details=p.details,
                status=p.status,
                assignee=p.assignee,
                charge_type=self.charge_types[KIND_CHARGE[p.kind]],
            )
            for p in plans
        )
        for plan, ticket in zip(plans, tickets, strict=True):
            plan.ticket = ticket
            # Backdate to when the ticket was raised (auto_now fields ignore values on create);
            # finished tickets last changed on their last day of work.
            ticket.created_at = plan.created_at or self.now
            ticket.updated_at = self.now
            if plan.last_day and plan.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
                finished = dt.datetime.combine(plan.last_day, dt.time(16, 45), self.org_zone)
                ticket.updated_at = min(self.now, finished)
        Ticket.objects.bulk_update(tickets, ["created_at", "updated_at"])
        self.tickets = plans

    # --- time ------------------------------------------------------------------------------

    def log_time(self, person: Person, limit: dt.datetime) -> None:
        """Six weeks of working days for one agent; nothing ends after `limit`."""
        user = self.users[person.username]
        agent = Agent.objects.prefetch_related("workdays").get(user=user)
        zone = ZoneInfo(agent.timezone)
        workdays = {w.weekday: w for w in agent.workdays.all()}
        today = dates.local_date(self.now, zone)
        monday = dates.week_start(today)
        first = monday - dt.timedelta(weeks=WEEKS - 1)
        # Holidays, closure days and leave come from the agent's calendar: no work on those.
        calendar = {day.day: day for day in calendar_for(agent, first, today)}
        forced_short = monday - dt.timedelta(days=5)  # last week's Wednesday
        for day in dates.days(first, today):
            workday = workdays.get(day.weekday())
            if workday is None:
                continue
            if calendar[day].target_seconds == 0:
                self.week_notes.setdefault((person.username, dates.week_start(day)), []).append(
                    f"{day:%A}: {calendar[day].absence_label}"
                )
                continue
            force = person.username == REJECTED_AGENT and day == forced_short
            for start_minute, block in self.plan_day(person, day, workday, force):
                started = dt.datetime.combine(
                    day, dt.time(start_minute // 60, start_minute % 60), zone
                ).astimezone(dt.UTC)
                ended = started + dt.timedelta(minutes=block.minutes)
                source = self.rng.choices(
                    [EntrySource.TIMER, EntrySource.MANUAL, EntrySource.ACTION],
                    weights=[5, 3, 2 if block.ticket else 0],
                )[0]
                if source == EntrySource.TIMER:
                    # Timers stop on the second, not on the minute.
                    ended -= dt.timedelta(seconds=self.rng.randint(1, 240))
                if ended > limit:
                    continue
                ticket = block.ticket.ticket if block.ticket else None
                charge = self.charge_types[block.charge_type_name]
                seconds = int((ended - started).total_seconds())
                self.pending.append(
                    TimeEntry(
                        agent=user,
                        ticket=ticket,
                        charge_type=charge,
                        started_at=started,
                        ended_at=ended,
                        worked_seconds=seconds,
                        is_billable=charge.is_billable,
                        billable_seconds=seconds if charge.is_billable else 0,
                        note=block.note,
                        source=source,
                        state=EntryState.DRAFT,
                    )
                )
                key = (person.username, dates.week_start(day))
                self.week_last_end[key] = max(ended, self.week_last_end.get(key, ended))

    def save_entries(self) -> None:
        """Write every planned entry, with the audit row `time_entry_create` would write.

        One service call per entry costs about 15 ms, which for the demo's two thousand
        entries is half a minute. The plan keeps the service's rules by construction: each
        agent's entries are laid end to end (checked again below), nothing is submitted yet,
        nothing lies in a locked period, and the database checks every constraint.
        """
        self.pending.sort(key=lambda e: e.started_at)
        by_agent = sorted(self.pending, key=lambda e: (e.agent_id, e.started_at))
        for previous, entry in pairwise(by_agent):
            if previous.agent_id == entry.agent_id and entry.started_at < previous.ended_at:
                raise CommandError(f"Demo plan overlaps at {entry.started_at} for {entry.agent}.")
        TimeEntry.objects.bulk_create(self.pending, batch_size=500)
        label = TimeEntry._meta.label_lower
        AuditEntry.objects.bulk_create(
            (
                AuditEntry(
                    actor_id=entry.agent_id,
                    action="time_entry.create",
                    object_type=label,
                    object_id=str(entry.pk),
                    after=snapshot(entry, ENTRY_FIELDS),
                )
                for entry in self.pending
            ),
            batch_size=500,
        )

    def plan_day(
        self, person: Person, day: dt.date, workday: Workday, force_short: bool
    ) -> list[tuple[int, Block]]:
        """The day's entries as (local start minute, block), without overlaps."""
        rng = self.rng
        roll = rng.random()
        if not force_short and roll < 0.025:
            self.week_notes.setdefault((person.username, dates.week_start(day)), []).append(
                f"{day:%A}: off sick"
            )
            return []
        short = force_short or roll < 0.11
        if short and not force_short:
            self.week_notes.setdefault((person.username, dates.week_start(day)), []).append(
                f"{day:%A}: {rng.choice(SHORT_DAY_REASONS)}"
            )
        if force_short:
            goal = 210  # the morning only
        elif short:
            goal = rng.randrange(150, 271, 15)
        else:
            goal = rng.randrange(person.load[0], person.load[1] + 1, 5)

        opening: list[Block] = []
        middle: list[list[Block]] = []
        closing: list[Block] = []
        if day.weekday() == 0:
            opening.append(Block(30, "Weekly team meeting", charge_type=INTERNAL))
        elif person.is_engineer:
            opening.append(Block(15, "Team stand-up", charge_type=INTERNAL))
        if person.is_engineer and rng.random() < 0.3:
            middle.append(
                [Block(rng.choice([30, 45, 60]), rng.choice(INTERNAL_NOTES), charge_type=INTERNAL)]
            )
        if person.training_weekday == day.weekday() and not short:
            middle.append(
                [Block(rng.choice([60, 90]), rng.choice(TRAINING_NOTES), charge_type=TRAINING)]
            )
        if person.username in LEAD_ADMIN_NOTES:
            closing.append(
                Block(
                    rng.choice([30, 45, 60]),
                    rng.choice(LEAD_ADMIN_NOTES[person.username]),
                    charge_type=ADMIN,
                )
            )
        elif day.weekday() == 4:
            closing.append(
                Block(rng.choice([15, 20, 30]), "Timesheets and email", charge_type=ADMIN)
            )

        active = self.tickets_in_hand(person, day)
        remaining = (
            goal
            - sum(b.minutes for b in opening + closing)
            - sum(b.minutes for group in middle for b in group)
        )
        onsite = [t for t in active if t.kind == "onsite"]
        if onsite and remaining >= 240 and rng.random() < 0.6:
            visit = rng.choice(onsite)
            there, back = rng.choice([25, 30, 40]), rng.choice([25, 30, 40])
            work = rng.choice([120, 150, 180])
            middle.append(
                [
                    Block(there, f"Travel to {visit.client.name}", visit, TRAVEL),
                    Block(work, rng.choice(TICKET_NOTES["onsite"]), visit),
                    Block(back, "Travel back to the office", visit, TRAVEL),
                ]
            )
            remaining -= there + work + back
        daytime = [t for t in active if t.kind in ("remote", "project")] or onsite
        while remaining >= 15:
            minutes = min(rng.choice(DURATIONS), remaining)
            if remaining - minutes < 15:
                minutes = remaining
            if daytime:
                ticket = rng.choice(daytime)
                middle.append([Block(minutes, rng.choice(TICKET_NOTES[ticket.kind]), ticket)])
            else:
                middle.append([Block(minutes, rng.choice(INTERNAL_NOTES), charge_type=INTERNAL)])
            remaining -= minutes
        rng.shuffle(middle)
        blocks = opening + [b for group in middle for b in group] + closing

        placed: list[tuple[int, Block]] = []
        start = workday.start.hour * 60 + workday.start.minute
        end = workday.end.hour * 60 + workday.end.minute
        cursor = start + rng.choice([0, 0, 0, 5, 10, 15])
        lunch_at, lunch_taken = 12 * 60 + rng.choice([0, 15, 30, 45, 60]), False
        latest = end + 60
        long_gap_at = (
            rng.randrange(1, len(blocks)) if short and not force_short and len(blocks) > 1 else -1
        )
        for index, block in enumerate(blocks):
            if index == long_gap_at:
                cursor += rng.choice([60, 90, 120, 150])
            if not lunch_taken and cursor >= lunch_at:
                cursor += max(workday.break_minutes, 30)
                lunch_taken = True
            minutes = min(block.minutes, latest - cursor)
            if minutes < 10:
                break
            block.minutes = minutes
            placed.append((cursor, block))
            cursor += minutes + rng.choices([0, 5, 10, 15, 30], weights=[50, 20, 15, 10, 5])[0]

        evening = [t for t in active if t.kind == "ooh"]
        if evening and not short and rng.random() < 0.5:
            ticket = rng.choice(evening)
            placed.append(
                (
                    19 * 60 + rng.choice([0, 15, 30]),
                    Block(rng.choice([60, 90, 120]), rng.choice(TICKET_NOTES["ooh"]), ticket),
                )
            )
        return placed

    def tickets_in_hand(self, person: Person, day: dt.date) -> list[TicketPlan]:
        """Engineers work their own tickets (else help a teammate); the leads pick up their
        team's escalations."""
        active = [t for t in self.tickets if t.active_on(day)]
        if person.is_engineer:
            user = self.users[person.username]
            mine = [t for t in active if t.assignee == user]
            if any(t.kind != "ooh" for t in mine):
                return mine
            team = {self.users[p.username] for p in PEOPLE if p.team == person.team}
            helping = [t for t in active if t.assignee in team and t.kind != "ooh"]
            return mine + ([self.rng.choice(helping)] if helping else [])
        kinds = ("project",) if person.team == PROJECTS else ("remote", "onsite")
        pool = [t for t in active if t.kind in kinds]
        return self.rng.sample(pool, k=min(2, len(pool)))

    # --- timesheets and billing ------------------------------------------------------------

    def before_now(self, instant: dt.datetime) -> dt.datetime:
        return min(instant, self.now - dt.timedelta(minutes=1))

    def timesheets(self) -> None:
        """Older weeks approved by the right approver, last week mixed, this week open."""
        for person in PEOPLE:
            if not person.is_agent:
                continue
            user = self.users[person.username]
            approver = approvers_of(user)[0]
            approver_zone = ZoneInfo(Agent.objects.get(user=approver).timezone)
            zone = ZoneInfo(person.timezone)
            monday = dates.week_start(dates.local_date(self.now, zone))
            for weeks_ago in range(WEEKS - 1, 0, -1):
                week = monday - dt.timedelta(weeks=weeks_ago)
                outcome = LAST_WEEK[person.username] if weeks_ago == 1 else "approved"
                last_end = self.week_last_end.get((person.username, week))
                if outcome == "draft" or last_end is None:
                    continue
                submitted_at = self.before_now(
                    last_end + dt.timedelta(minutes=self.rng.randint(5, 40))
                )
                comment = "; ".join(self.week_notes.get((person.username, week), []))
                submission = submission_submit(
                    agent=user, week_start=week, actor=user, comment=comment, now=submitted_at
                )
                if outcome == "submitted":
                    continue
                decided_at = dt.datetime.combine(
                    week + dt.timedelta(weeks=1),
                    dt.time(9 + self.rng.randint(0, 2), self.rng.randint(0, 59)),
                    approver_zone,
                ).astimezone(dt.UTC)
                decided_at = self.before_now(max(decided_at, submitted_at + dt.timedelta(hours=1)))
                if outcome == "rejected":
                    submission_reject(
                        submission=submission,
                        actor=approver,
                        reason=REJECTION_REASON,
                        now=decided_at,
                    )
                else:
                    submission_approve(submission=submission, actor=approver, now=decided_at)

    def billing(self) -> tuple[int, int]:
        """Invoice the three oldest weeks (the last approved week stays unbilled for now) and
        issue about half of the drafts."""
        monday = dates.week_start(dates.local_date(self.now, self.org_zone))
        cut_off = monday - dt.timedelta(weeks=2, days=1)
        result = invoice_run_execute(
            cut_off=cut_off, actor=self.users["billing"], commit=True, now=self.now
        )
        invoices = sorted(result.invoices, key=lambda i: i.client.name)
        to_issue = self.rng.sample(invoices, k=len(invoices) // 2)
        for invoice in sorted(to_issue, key=lambda i: i.pk):
            invoice_issue(invoice=invoice, actor=self.users["billing"], now=self.now)
        return len(invoices), Invoice.objects.filter(state=InvoiceState.ISSUED).count()

    def running_timer(self, since: dt.datetime) -> None:
        user = self.users[TIMER_AGENT]
        mine = [
            t.ticket
            for t in self.tickets
            if t.assignee == user and t.status == TicketStatus.IN_PROGRESS and t.ticket
        ]
        ticket = mine[-1] if mine else None
        timer_start(
            agent=user, actor=user, ticket=ticket, note="Working on it" if ticket else "", now=since
        )
