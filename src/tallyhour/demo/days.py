"""The demo's working days: each agent's entries planned end to end, then written at once."""

import datetime as dt
import random
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.core.management.base import CommandError

from tallyhour.accounts.calendars import calendar_for
from tallyhour.accounts.models import Agent, User, Workday
from tallyhour.core import dates
from tallyhour.core.audit import snapshot
from tallyhour.core.models import AuditEntry
from tallyhour.demo.data import (
    ADMIN,
    DURATIONS,
    INTERNAL,
    INTERNAL_NOTES,
    LEAD_ADMIN_NOTES,
    PEOPLE,
    PROJECTS,
    REJECTED_AGENT,
    SHORT_DAY_REASONS,
    TICKET_NOTES,
    TRAINING,
    TRAINING_NOTES,
    TRAVEL,
    WEEKS,
    Block,
    Person,
    TicketPlan,
)
from tallyhour.timetracking.models import ChargeType, EntrySource, TimeEntry
from tallyhour.timetracking.services import ENTRY_FIELDS, draft_entry


class DayPlanner:
    """Time logging for `DemoBuilder`: the state it reads is the builder's."""

    rng: random.Random
    now: dt.datetime
    users: dict[str, User]
    charge_types: dict[str, ChargeType]
    tickets: list[TicketPlan]
    week_last_end: dict[tuple[str, dt.date], dt.datetime]
    week_notes: dict[tuple[str, dt.date], list[str]]
    pending: list[TimeEntry]

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
                    draft_entry(
                        agent=user,
                        span=(started, ended, seconds),
                        ticket=ticket,
                        charge=charge,
                        note=block.note,
                        source=source,
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
