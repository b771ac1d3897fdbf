"""Users, teams, agents with their workdays and holidays, and leave."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
from django.contrib.auth.hashers import make_password

from bench.seed.options import FIRST, LAST, SEED_PASSWORD, TEAM_SIZE, ZONES, weighted
from bench.seed.state import Person, SeedState
from tallyhour.accounts.models import Agent, Leave, LeaveKind, Role, Team, User, Workday


class People(SeedState):
    def people_and_teams(self) -> None:
        rng, o = self.rng, self.o
        tag = f"seed{o.seed}"
        if User.objects.filter(username__startswith=f"{tag}-").exists():
            raise ValueError(f"Seed {o.seed} is already loaded here; use another --seed.")
        password = make_password(SEED_PASSWORD)
        first_names, last_names = FIRST.split(), LAST.split()
        team_count = max(1, (o.agents + TEAM_SIZE - 1) // TEAM_SIZE)
        first_user = self.w.ids(User, o.agents + 1)
        self.admin_id, self.billing_id = first_user, first_user + o.agents
        first_team = self.w.ids(Team, team_count)
        # Agent n belongs to team n % teams; the first agent of each team approves it.
        approver_of_team = (
            {t: first_user + 1 + t for t in range(team_count)} if o.agents > 1 else {}
        )
        users, agents, workdays, memberships = [], [], [], []
        pick_zone = weighted(rng, [(z[:3], z[3]) for z in ZONES])
        first_workday = self.w.ids(Workday, o.agents * 5)
        first_membership = self.w.ids(Agent.teams.through, o.agents)
        years = range(self.start.year, self.end.year + 1)
        holiday_sets: dict[tuple[str, str], set[dt.date]] = {}
        for n in range(o.agents + 1):
            user_id = first_user + n
            is_agent = n < o.agents
            if n == 0:
                role, username = Role.ADMIN, f"{tag}-admin"
            elif not is_agent:
                role, username = Role.BILLING, f"{tag}-billing"
            elif n <= team_count:
                role, username = Role.APPROVER, f"{tag}-approver{n:03d}"
            else:
                role, username = Role.ENGINEER, f"{tag}-engineer{n:04d}"
            first, last = rng.choice(first_names), rng.choice(last_names)
            users.append(
                (
                    user_id,
                    password,
                    username,
                    first,
                    last,
                    f"{username}@seed.example",
                    role,
                    n == 0,
                    n == 0,
                    True,
                    self.now,
                )
            )
            if not is_agent:
                continue
            team = (n - 1) % team_count if n else 0
            approver: int | None
            if role == Role.ENGINEER:
                approver = approver_of_team.get(team, self.admin_id)
            else:
                # Team leads are approved by the admin; the admin by the first lead.
                approver = self.admin_id if n else approver_of_team.get(0)
            zone_name, country, subdivision = pick_zone()
            start_hour = rng.choice([8, 8, 9, 9, 9])
            agents.append(
                (
                    user_id,
                    zone_name,
                    approver,
                    self.charge["Remote support"].pk,
                    Decimal(rng.randrange(2500, 4500)) / 100,
                    Decimal("0.750"),
                    country if country != "GB" else "",
                    subdivision if country != "GB" else "",
                )
            )
            memberships.append((first_membership + n, user_id, first_team + team))
            for weekday in range(5):
                workdays.append(
                    (
                        first_workday + n * 5 + weekday,
                        user_id,
                        weekday,
                        dt.time(start_hour),
                        dt.time(start_hour + 8, 30),
                        30,
                    )
                )
            key = (country, subdivision)
            if key not in holiday_sets:
                holiday_sets[key] = set(
                    holidays.country_holidays(country, subdiv=subdivision, years=years)
                )
            self.people.append(
                Person(user_id, ZoneInfo(zone_name), start_hour, approver, set(holiday_sets[key]))
            )
        self.w.insert(
            User,
            [
                "id",
                "password",
                "username",
                "first_name",
                "last_name",
                "email",
                "role",
                "is_staff",
                "is_superuser",
                "is_active",
                "date_joined",
            ],
            users,
        )
        self.w.insert(
            Team,
            ["id", "name", "approver_id"],
            [
                (first_team + t, f"{tag} team {t + 1:02d}", approver_of_team.get(t))
                for t in range(team_count)
            ],
        )
        self.w.insert(
            Agent,
            [
                "user_id",
                "timezone",
                "timesheet_approver_id",
                "default_charge_type_id",
                "cost_rate",
                "target_utilisation",
                "holiday_country",
                "holiday_subdivision",
            ],
            agents,
        )
        self.w.insert(Agent.teams.through, ["id", "agent_id", "team_id"], memberships)
        self.w.insert(
            Workday, ["id", "agent_id", "weekday", "start", "end", "break_minutes"], workdays
        )
        self.leave()

    def leave(self) -> None:
        """About 25 days of annual leave a year in blocks, plus a few sick days."""
        rng, rows = self.rng, []
        span = (self.end - self.start).days
        blocks_per_agent = max(1, round(span / 365 * 6))
        for person in self.people:
            wanted = [
                (LeaveKind.ANNUAL, rng.choice([2, 3, 4, 5, 5, 9])) for _ in range(blocks_per_agent)
            ]
            wanted += [(LeaveKind.SICK, 1) for _ in range(max(1, span // 120))]
            for kind, length in wanted:
                first = self.start + dt.timedelta(days=rng.randrange(span))
                last = first + dt.timedelta(days=length - 1)
                rows.append(
                    (
                        person.user_id,
                        kind,
                        first,
                        last,
                        None,
                        "",
                        person.user_id,
                        dt.datetime.combine(first - dt.timedelta(days=20), dt.time(10)),
                    )
                )
                person.off_days.update(first + dt.timedelta(days=i) for i in range(length))
        first_id = self.w.ids(Leave, len(rows))
        self.w.insert(
            Leave,
            [
                "id",
                "agent_id",
                "kind",
                "first_day",
                "last_day",
                "hours",
                "note",
                "created_by_id",
                "created_at",
            ],
            [(first_id + i, *row) for i, row in enumerate(rows)],
        )
