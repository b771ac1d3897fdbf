"""Time, week by week: each agent's working days, tickets as work needs them, submissions."""

import datetime as dt
from bisect import bisect
from typing import Any

from bench.seed.state import (
    E_BILL_SECONDS,
    E_BILLABLE,
    E_REJECTION,
    E_STATE,
    E_SUBMISSION,
    E_WORKED,
    E_WRITE_OFF,
    Person,
    SeedState,
)
from tallyhour.servicedesk.models import Action, Ticket, TicketStatus
from tallyhour.timesheets.models import Submission, SubmissionKind
from tallyhour.timetracking.models import EntrySource, EntryState, TimeEntry


class Weeks(SeedState):
    def week(self, monday: dt.date) -> None:
        rng = self.rng
        this_monday = self.end - dt.timedelta(days=self.end.weekday())
        age = (this_monday - monday).days // 7
        tickets: list[tuple[Any, ...]] = []
        submissions: list[tuple[Any, ...]] = []
        for index, person in enumerate(self.people):
            days = [
                day
                for day in (monday + dt.timedelta(days=i) for i in range(5))
                if self.start <= day < self.end and day not in person.off_days
            ]
            week_entries: list[tuple[list[Any], int, dt.date, int]] = []
            for day in days:
                week_entries.extend(self.day(person, day, tickets))
            if not week_entries:
                continue
            state = self.week_state(age, index)
            submission_id = None
            if state != EntryState.DRAFT:
                submission_id = self.w.ids(Submission)
                submissions.append(
                    self.submission(submission_id, person, monday, state, days, week_entries)
                )
            for entry, client_id, day, action in week_entries:
                entry[E_STATE] = state
                entry[E_SUBMISSION] = submission_id
                if state == EntryState.REJECTED:
                    entry[E_REJECTION] = "Please add the missing Wednesday afternoon and resubmit."
                if state == EntryState.APPROVED and entry[E_BILLABLE] and rng.random() < 0.01:
                    entry[E_BILL_SECONDS] = entry[E_WORKED] // 2
                    entry[E_WRITE_OFF] = "Learning time on the client's new firewall."
                self.months[day.replace(day=1)].append((entry, client_id, day, action))
        self.w.insert(
            Ticket,
            [
                "id",
                "client_id",
                "summary",
                "details",
                "status",
                "assignee_id",
                "charge_type_id",
                "ticket_type_id",
                "created_at",
                "updated_at",
            ],
            tickets,
        )
        self.w.insert(
            Submission,
            [
                "id",
                "agent_id",
                "kind",
                "week_start",
                "through",
                "state",
                "submitted_at",
                "comment",
                "decided_by_id",
                "decided_at",
                "reason",
                "total_seconds",
                "billable_seconds",
                "target_seconds",
                "gap_seconds",
            ],
            submissions,
        )

    def week_state(self, age: int, index: int) -> str:
        if age <= 0:
            return EntryState.DRAFT
        r = self.rng.random()
        if age == 1:
            # Last week shows every state, whatever the size: by position, not by chance.
            slot = index % 20
            if slot in (0, 10):
                return EntryState.DRAFT
            if slot == 2:
                return EntryState.REJECTED
            return EntryState.APPROVED if slot in (5, 15) else EntryState.SUBMITTED
        if age == 2:
            return EntryState.APPROVED if r < 0.9 else EntryState.SUBMITTED
        return EntryState.APPROVED

    def submission(
        self,
        submission_id: int,
        person: Person,
        monday: dt.date,
        state: str,
        days: list[dt.date],
        entries: list[tuple[list[Any], int, dt.date, int]],
    ) -> tuple[Any, ...]:
        total = sum(e[E_WORKED] for e, *_ in entries)
        billable = sum(e[E_BILL_SECONDS] for e, *_ in entries)
        target = len(days) * 8 * 3600
        submitted = dt.datetime.combine(monday + dt.timedelta(days=4), dt.time(16, 45))
        decided = min(submitted + dt.timedelta(days=3), self.now.replace(tzinfo=None))
        open_ = state == EntryState.SUBMITTED
        reason = "Wednesday afternoon is missing." if state == EntryState.REJECTED else ""
        return (
            submission_id,
            person.user_id,
            SubmissionKind.WEEK,
            monday,
            submitted.date(),  # sent on Friday: up to Friday (the weekend stays open)
            state,
            submitted,
            "",
            None if open_ else person.approver_id,
            None if open_ else decided,
            reason,
            total,
            billable,
            target,
            max(0, target - total),
        )

    def new_ticket(self, person: Person, at: dt.datetime, tickets: list[tuple[Any, ...]]) -> None:
        rng = self.rng
        info = self.clients[bisect(self.client_weights, rng.random() * self.client_weights[-1])]
        ticket_id = self.w.ids(Ticket)
        charge: int = self.pick_ticket_charge()
        summary = rng.choice(
            [
                "Printer offline",
                "VPN drops",
                "New starter laptop",
                "Mailbox full",
                "Backup failed",
                "Firewall change",
                "Password reset",
                "Server patching",
                "Teams calls choppy",
            ]
        )
        tickets.append(
            (
                ticket_id,
                info.client_id,
                summary,
                "",
                TicketStatus.CLOSED,
                person.user_id,
                charge if charge != self.charge["Remote support"].pk else None,
                rng.choice(self.ticket_types),
                at,
                at,
            )
        )
        person.pool.append([ticket_id, info.client_id, rng.randint(1, 10), charge])

    def day(
        self, person: Person, day: dt.date, tickets: list[tuple[Any, ...]]
    ) -> list[tuple[list[Any], int, dt.date, int]]:
        """One agent's working day: ticket work and some activities from the workday's start."""
        rng = self.rng
        noon = dt.datetime.combine(day, dt.time(12))
        offset = person.zone.utcoffset(noon)
        assert offset is not None
        local = dt.datetime.combine(day, dt.time(person.start_hour)) + dt.timedelta(
            minutes=rng.randint(0, 15)
        )
        budget = int(8 * 3600 * rng.uniform(0.8, 1.08))
        lunch_done = False
        out: list[tuple[list[Any], int, dt.date, int]] = []
        while budget > 0:
            if rng.random() < 0.1:
                ticket_id, client_id, charge = None, 0, self.pick_activity()
                minutes = self.pick_activity_minutes()
            else:
                while len(person.pool) < 4:
                    self.new_ticket(person, local - offset, tickets)
                slot = person.pool[rng.randrange(len(person.pool))]
                ticket_id, client_id, charge = slot[0], slot[1], slot[3]
                slot[2] -= 1
                if slot[2] <= 0:
                    person.pool.remove(slot)
                minutes = self.pick_ticket_minutes()
            seconds = min(minutes * 60 + rng.randint(-120, 120), budget) if minutes > 5 else 300
            seconds = max(seconds, 60)
            started = local - offset
            ended = started + dt.timedelta(seconds=seconds)
            # Every ticket charge type is billable; activities carry no ticket.
            billable = ticket_id is not None
            source = (
                EntrySource.ACTION
                if ticket_id and rng.random() < 0.5
                else rng.choice([EntrySource.TIMER, EntrySource.TIMER, EntrySource.MANUAL])
            )
            entry = [
                self.w.ids(TimeEntry),
                person.user_id,
                ticket_id,
                charge,
                started,
                ended,
                seconds,
                billable,
                seconds if billable else 0,
                "",
                source,
                EntryState.DRAFT,
                None,
                "",
                "",
                False,
                None,
                1,
                ended,
                ended,
            ]
            action = self.w.ids(Action) if source == EntrySource.ACTION else 0
            out.append((entry, client_id, day, action))
            budget -= seconds
            local += dt.timedelta(seconds=seconds + rng.choice([0, 0, 0, 60, 300, 600]))
            if not lunch_done and local.hour >= 12:
                local += dt.timedelta(minutes=30)
                lunch_done = True
        return out
