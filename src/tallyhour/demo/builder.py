"""`DemoBuilder`: the demo MSP built through the app's own services where it matters.

Six weeks of time for ten agents, ending today in each agent's zone, in every state of the
chain: invoiced, approved and waiting for the next invoice run, submitted, rejected, and this
week's drafts. Submissions, approvals, the invoice run, issuing and the running timer go
through the app's own services, so their checks, locks and audit rows are real; the time
entries are written in bulk with the audit rows their service would write (see
`DayPlanner.save_entries`). A fixed seed gives the same data for the same day.
"""

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
from django.contrib.auth.hashers import make_password

from tallyhour.accounts.models import Agent, Organisation, Role, Team, User, Workday
from tallyhour.accounts.permissions import approvers_of
from tallyhour.billing.invoices import invoice_issue
from tallyhour.billing.models import Invoice, InvoiceState
from tallyhour.billing.runs import invoice_run_execute
from tallyhour.core import dates
from tallyhour.crm.models import Client
from tallyhour.demo.calendar import load_demo_calendar
from tallyhour.demo.contacts import load_demo_contacts
from tallyhour.demo.contracts import load_demo_contracts
from tallyhour.demo.data import (
    BILLABLE_RATES,
    CLIENTS,
    CONTACTS,
    DEMO_PASSWORD,
    DOMAIN,
    HOLIDAY_REGIONS,
    KIND_CHARGE,
    LAST_WEEK,
    LEAD_APPROVERS,
    NON_BILLABLE,
    PEOPLE,
    PROJECT,
    PROJECTS,
    REJECTION_REASON,
    REMOTE,
    SERVICE_DESK,
    SUMMARIES,
    TEAM_APPROVERS,
    TIMER_AGENT,
    WEEKS,
    ClientSpec,
    TicketPlan,
)
from tallyhour.demo.days import DayPlanner
from tallyhour.demo.servicedesk import load_demo_servicedesk
from tallyhour.servicedesk.models import Ticket, TicketStatus
from tallyhour.timesheets.services import (
    submission_approve,
    submission_reject,
    submission_submit,
)
from tallyhour.timetracking.models import ChargeType, TimeEntry
from tallyhour.timetracking.timers import timer_start


class DemoBuilder(DayPlanner):
    """Loads the whole demo in one `build()`; the caller holds the transaction."""

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
        # What the invoice documents print under the totals.
        org.bank_details = (
            "Yorkshire Commercial Bank\nSort code 40-12-76 · Account 31926819\n"
            "IBAN GB29 YCBK 4012 7631 9268 19 · BIC YCBKGB2L"
        )
        org.payment_instructions = "Please quote the invoice number as your payment reference."
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
        invoices = sorted(
            (i for i in result.invoices if i.state == InvoiceState.DRAFT),
            key=lambda i: i.client.name,
        )
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
