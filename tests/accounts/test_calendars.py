"""Target hours across public holidays, leave, closure days, DST changes and time zones."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F, Q

from tallyhour.accounts.calendars import (
    _shape_over,
    available_seconds_by_agent,
    calendar_for,
    public_holidays,
    target_seconds_by_day,
)
from tallyhour.accounts.models import ClosureDay, Leave, LeaveKind, Workday
from tallyhour.core.lookups import IdIn
from tests.conftest import MONDAY
from tests.factories import AgentFactory

HOUR = 3600
EIGHT_HOURS = 8 * HOUR


@pytest.fixture
def agent(org):
    return AgentFactory()


def test_plain_week_is_five_eight_hour_days(agent):
    targets = target_seconds_by_day(agent, MONDAY, MONDAY + dt.timedelta(days=6))
    assert list(targets.values()) == [EIGHT_HOURS] * 5 + [0, 0]


def test_public_holiday_has_no_target(agent):
    # Good Friday 2026 is 3 April, a bank holiday in England.
    good_friday = dt.date(2026, 4, 3)
    targets = target_seconds_by_day(agent, dt.date(2026, 3, 30), dt.date(2026, 4, 5))
    assert targets[good_friday] == 0
    assert sum(targets.values()) == 4 * EIGHT_HOURS
    day = next(d for d in calendar_for(agent, good_friday, good_friday))
    assert day.holiday == "Good Friday"
    assert day.absence_label == "Good Friday"


def test_subdivision_decides_regional_holidays(org, agent):
    # St Andrew's Day (30 Nov 2026, a Monday) is a holiday in Scotland, not in England.
    st_andrews = dt.date(2026, 11, 30)
    assert target_seconds_by_day(agent, st_andrews, st_andrews)[st_andrews] == EIGHT_HOURS
    org.holiday_subdivision = "SCT"
    org.save()
    assert target_seconds_by_day(agent, st_andrews, st_andrews)[st_andrews] == 0


def test_agent_override_replaces_organisation_holidays(agent):
    # 3 Oct 2026 is a Saturday; 26 Oct 2026 (Monday) is Austria's National Day.
    national_day = dt.date(2026, 10, 26)
    assert target_seconds_by_day(agent, national_day, national_day)[national_day] == EIGHT_HOURS
    agent.holiday_country, agent.holiday_subdivision = "AT", ""
    agent.save()
    assert target_seconds_by_day(agent, national_day, national_day)[national_day] == 0


def test_unknown_holiday_country_means_no_holidays(agent):
    agent.holiday_country = "ZZ"
    agent.save()
    assert public_holidays("ZZ", "", MONDAY, MONDAY) == {}
    assert target_seconds_by_day(agent, MONDAY, MONDAY)[MONDAY] == EIGHT_HOURS


def test_full_and_partial_leave_lower_target(agent):
    Leave.objects.create(
        agent=agent, kind=LeaveKind.ANNUAL, first_day=MONDAY, last_day=MONDAY + dt.timedelta(1)
    )
    Leave.objects.create(
        agent=agent,
        kind=LeaveKind.SICK,
        first_day=MONDAY + dt.timedelta(2),
        last_day=MONDAY + dt.timedelta(2),
        hours=Decimal("3.5"),
    )
    days = calendar_for(agent, MONDAY, MONDAY + dt.timedelta(days=4))
    assert [d.target_seconds for d in days] == [0, 0, int(4.5 * HOUR), EIGHT_HOURS, EIGHT_HOURS]
    assert days[0].absence_label == "Annual leave"
    assert days[2].leave_seconds == int(3.5 * HOUR)


def test_leave_over_weekend_and_holiday_costs_nothing_extra(agent):
    # Leave across Easter 2026: Good Friday and the weekend have no target anyway.
    Leave.objects.create(agent=agent, first_day=dt.date(2026, 4, 2), last_day=dt.date(2026, 4, 7))
    targets = target_seconds_by_day(agent, dt.date(2026, 3, 30), dt.date(2026, 4, 10))
    # Mon–Wed before, Wed–Fri after (Easter Monday 6 Apr is a holiday, leave 2–7 Apr).
    assert sum(targets.values()) == 6 * EIGHT_HOURS


def test_closure_day_has_no_target(agent):
    ClosureDay.objects.create(day=MONDAY, name="Office move")
    day = calendar_for(agent, MONDAY, MONDAY)[0]
    assert day.target_seconds == 0
    assert day.closure == "Office move"


def test_daylight_saving_change_inside_a_workday_counts_real_time(org, agent):
    # UK clocks go forward at 01:00 on Sunday 29 March 2026: a 00:00–06:00 shift is 5 hours.
    Workday.objects.create(
        agent=agent, weekday=6, start=dt.time(0), end=dt.time(6), break_minutes=0
    )
    spring = dt.date(2026, 3, 29)
    autumn = dt.date(2026, 10, 25)  # clocks go back: the same shift lasts 7 hours
    week_before = dt.date(2026, 3, 22)
    assert target_seconds_by_day(agent, spring, spring)[spring] == 5 * HOUR
    assert target_seconds_by_day(agent, autumn, autumn)[autumn] == 7 * HOUR
    assert target_seconds_by_day(agent, week_before, week_before)[week_before] == 6 * HOUR


def test_ordinary_workday_in_a_dst_week_is_unchanged(agent):
    # The week containing the spring change still has five full eight-hour days.
    targets = target_seconds_by_day(agent, dt.date(2026, 3, 23), dt.date(2026, 3, 29))
    assert sum(targets.values()) == 5 * EIGHT_HOURS


def test_agent_in_another_zone_uses_own_days_and_dst(org):
    # New York moves its clocks on 8 March 2026, three weeks before London.
    agent = AgentFactory(timezone="America/New_York", holiday_country="US")
    Workday.objects.filter(agent=agent).delete()
    Workday.objects.create(agent=agent, weekday=6, start=dt.time(0), end=dt.time(4))
    Workday.objects.create(agent=agent, weekday=0, start=dt.time(9), end=dt.time(17, 30))
    us_spring = dt.date(2026, 3, 8)
    assert target_seconds_by_day(agent, us_spring, us_spring)[us_spring] == 3 * HOUR - 30 * 60
    # Memorial Day (25 May 2026) is a US holiday; the UK's Spring bank holiday is the same
    # Monday, so check a US-only one: Labor Day, 7 Sep 2026 (not a UK holiday).
    labor_day = dt.date(2026, 9, 7)
    assert target_seconds_by_day(agent, labor_day, labor_day)[labor_day] == 0
    london = AgentFactory()
    assert target_seconds_by_day(london, labor_day, labor_day)[labor_day] == EIGHT_HOURS


def test_available_seconds_keyed_by_user_in_constant_queries(org, django_assert_max_num_queries):
    agents = [AgentFactory() for _ in range(3)]
    Leave.objects.create(agent=agents[0], first_day=MONDAY, last_day=MONDAY)
    sunday = MONDAY + dt.timedelta(days=6)
    with django_assert_max_num_queries(4):
        few = available_seconds_by_agent(agents[:1], MONDAY, sunday)
    more_agents = agents + [AgentFactory() for _ in range(10)]
    with django_assert_max_num_queries(4):
        many = available_seconds_by_agent(more_agents, MONDAY, sunday)
    assert few == {agents[0].user_id: 4 * EIGHT_HOURS}
    assert many[agents[1].user_id] == 5 * EIGHT_HOURS
    assert len(many) == 13


def test_empty_inputs(org, agent):
    assert available_seconds_by_agent([], MONDAY, MONDAY) == {}
    assert available_seconds_by_agent([agent], MONDAY, MONDAY - dt.timedelta(1)) == {
        agent.user_id: 0
    }


def test_available_seconds_equal_the_sum_of_the_calendar_days(org):
    """The totals-only path reports use must agree with the days the week page shows."""
    london, other, new_york = (
        AgentFactory(),
        AgentFactory(),
        AgentFactory(timezone="America/New_York"),
    )
    first, last = dt.date(2026, 3, 25), dt.date(2026, 4, 14)
    ClosureDay.objects.create(day=dt.date(2026, 4, 8), name="Office move")
    # Leave over Easter (holidays), over the closure, across both period edges, and a partial
    # day on top of a full one (the target never goes below zero).
    Leave.objects.create(agent=london, first_day=dt.date(2026, 4, 1), last_day=dt.date(2026, 4, 9))
    Leave.objects.create(agent=other, first_day=dt.date(2026, 3, 20), last_day=dt.date(2026, 3, 26))
    Leave.objects.create(
        agent=other, first_day=dt.date(2026, 4, 13), last_day=dt.date(2026, 4, 20), hours=2
    )
    Leave.objects.create(
        agent=new_york, first_day=dt.date(2026, 3, 30), last_day=dt.date(2026, 3, 30), hours=3
    )
    Leave.objects.create(
        agent=new_york, first_day=dt.date(2026, 3, 30), last_day=dt.date(2026, 3, 31)
    )
    agents = [london, other, new_york]

    from_days = {
        agent.user_id: sum(d.target_seconds for d in calendar_for(agent, first, last))
        for agent in agents
    }
    assert available_seconds_by_agent(agents, first, last) == from_days
    # 15 weekdays, less Good Friday and Easter Monday, the closure, two days of leave, and
    # two hours on each of the last two days.
    assert from_days[other.user_id] == (15 - 2 - 1 - 2) * EIGHT_HOURS - 2 * 2 * HOUR


def test_available_seconds_agree_with_the_days_for_overlapping_leave(org):
    """Whole-day leave is summed a stretch at a time and hourly leave day by day; both must
    give what the calendar days give, whatever overlaps what."""
    first, last = dt.date(2026, 3, 30), dt.date(2026, 4, 24)  # Easter inside
    ClosureDay.objects.create(day=dt.date(2026, 4, 15), name="Office move")
    spans = [
        # Adjacent and overlapping whole days, one running past the period's end.
        [
            (dt.date(2026, 4, 1), dt.date(2026, 4, 2), None),
            (dt.date(2026, 4, 3), dt.date(2026, 4, 7), None),
        ],
        [
            (dt.date(2026, 4, 13), dt.date(2026, 4, 16), None),
            (dt.date(2026, 4, 14), dt.date(2026, 4, 30), None),
        ],
        # Hours on top of whole days, on top of other hours (more than a day together), and
        # on the closure day.
        [
            (dt.date(2026, 4, 8), dt.date(2026, 4, 10), None),
            (dt.date(2026, 4, 9), dt.date(2026, 4, 14), Decimal("2.5")),
            (dt.date(2026, 4, 14), dt.date(2026, 4, 15), Decimal("6")),
            (dt.date(2026, 3, 1), dt.date(2026, 3, 31), Decimal("0.25")),
        ],
        # The same span twice.
        [(dt.date(2026, 4, 20), dt.date(2026, 4, 21), Decimal("3"))] * 2,
    ]
    agents = []
    for own in spans:
        agent = AgentFactory()
        for first_day, last_day, hours in own:
            Leave.objects.create(agent=agent, first_day=first_day, last_day=last_day, hours=hours)
        agents.append(agent)

    from_days = {
        agent.user_id: sum(d.target_seconds for d in calendar_for(agent, first, last))
        for agent in agents
    }
    assert available_seconds_by_agent(agents, first, last) == from_days
    # 20 weekdays less Good Friday, Easter Monday and the closure; the third agent takes
    # three whole days, 2.5 h on 13 Apr, 2.5 h + 6 h on the 14th (capped: the whole day),
    # nothing on the closure and 15 min on each of 30 and 31 Mar.
    assert from_days[agents[2].user_id] == (17 - 3 - 1) * EIGHT_HOURS - int(2.5 * HOUR) - 30 * 60


def test_shapes_are_kept_between_calls_but_never_go_stale(org, agent):
    """The shared days of a calendar shape are kept per process; a closure day or a workday
    changed since shows on the very next call."""
    _shape_over.cache_clear()
    sunday = MONDAY + dt.timedelta(days=6)
    assert available_seconds_by_agent([agent], MONDAY, sunday) == {agent.user_id: 5 * EIGHT_HOURS}
    assert available_seconds_by_agent([agent], MONDAY, sunday) == {agent.user_id: 5 * EIGHT_HOURS}
    assert _shape_over.cache_info().hits == 1

    closure = ClosureDay.objects.create(day=MONDAY, name="Office move")
    assert available_seconds_by_agent([agent], MONDAY, sunday) == {agent.user_id: 4 * EIGHT_HOURS}
    assert calendar_for(agent, MONDAY, sunday)[0].closure == "Office move"
    closure.name = "Strike"
    closure.save()
    assert calendar_for(agent, MONDAY, sunday)[0].closure == "Strike"
    closure.delete()
    assert available_seconds_by_agent([agent], MONDAY, sunday) == {agent.user_id: 5 * EIGHT_HOURS}

    Workday.objects.filter(agent=agent, weekday=1).update(end=dt.time(13, 30))
    assert available_seconds_by_agent([agent], MONDAY, sunday) == {
        agent.user_id: 4 * EIGHT_HOURS + 4 * HOUR
    }
    Workday.objects.filter(agent=agent, weekday=2).delete()
    assert target_seconds_by_day(agent, MONDAY, sunday)[MONDAY + dt.timedelta(days=2)] == 0

    Leave.objects.create(agent=agent, first_day=MONDAY, last_day=MONDAY)
    assert available_seconds_by_agent([agent], MONDAY, sunday) == {
        agent.user_id: 2 * EIGHT_HOURS + 4 * HOUR
    }


def test_id_in_matches_in(org):
    agents = [AgentFactory() for _ in range(3)]
    ids = [agent.user_id for agent in agents]
    asked = [ids[0], ids[2], ids[2], 10**9]

    def agent_ids(condition) -> set[int]:
        return set(Workday.objects.filter(condition).values_list("agent_id", flat=True))

    assert agent_ids(IdIn(F("agent_id"), asked)) == agent_ids(Q(agent_id__in=asked))
    assert agent_ids(IdIn(F("agent_id"), asked)) == {ids[0], ids[2]}
    assert agent_ids(IdIn(F("agent_id"), [])) == set()
    assert agent_ids(~Q(IdIn(F("agent_id"), asked[:1]))) == {ids[1], ids[2]}
