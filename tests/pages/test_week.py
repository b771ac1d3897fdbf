"""My week: totals, adding and editing entries (full page and htmx), timers, submit, recall."""

import datetime as dt

import pytest
from django.urls import reverse

from tallyhour.timesheets.models import Submission, SubmissionState
from tallyhour.timetracking.models import EntryState, TimeEntry, Timer, TimerState
from tallyhour.timetracking.services import time_entry_create
from tallyhour.timetracking.timers import timer_start
from tests.conftest import MONDAY, at
from tests.factories import ChargeTypeFactory, TicketFactory
from tests.pages.helpers import HTMX, login

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"


def week_url(week: str = WEEK) -> str:
    return reverse("timesheets:week", args=[week])


def add_form(**overrides) -> dict[str, str]:
    data = {
        "week": WEEK,
        "date": "2026-11-17",
        "start": "09:30",
        "duration": "1:30",
        "end": "",
        "ticket": "",
        "charge_type": "",
        "billable": "",
        "note": "",
    }
    data.update(overrides)
    return data


def test_home_shows_this_week_in_the_agents_zone(engineer, ticket):
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=90,
        ticket=ticket,
        note="Swapped the toner",
    )
    response = login(engineer).get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-W47" in page and "Europe/London" in page
    assert "Swapped the toner" in page and f"#{ticket.pk} Printer offline" in page
    assert "09:00–10:30" in page
    # Target 40:00 (5 × 8 h), logged 1:30; on Wednesday the gap so far is 22:30 (Mon–Wed).
    assert "40:00" in page and "1:30" in page and "22:30" in page


def test_names_and_notes_are_escaped_in_rows_and_grid(engineer, remote_support):
    odd = TicketFactory(
        summary="<b>Fix</b> & go",
        client__name="O'Neil <Ltd>",
        charge_type=remote_support,
    )
    for hour in (9, 11):
        time_entry_create(
            agent=engineer,
            actor=engineer,
            started_at=at(MONDAY, hour),
            duration_minutes=30,
            ticket=odd,
            note="<script>alert(1)</script>",
        )
    page = login(engineer).get(reverse("home")).content.decode()
    assert "<b>Fix</b>" not in page and "<script>alert(1)" not in page
    assert "<Ltd>" not in page
    title = f"#{odd.pk} &lt;b&gt;Fix&lt;/b&gt; &amp; go"
    assert page.count(f'<div class="entry__title">{title}</div>') == 2
    # The rows escape an apostrophe as &#39; (Jinja2), the grid as &#x27; (Django).
    assert page.count("<span>O&#39;Neil &lt;Ltd&gt;</span>") == 2
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2


def test_week_shows_local_times_across_zones(engineer, ticket):
    engineer.agent.timezone = "America/New_York"
    engineer.agent.save()
    # 14:00 UTC is 09:00 in New York in November.
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 14),
        duration_minutes=30,
        ticket=ticket,
    )
    page = login(engineer).get(week_url()).content.decode()
    assert "09:00–09:30" in page and "America/New_York" in page


def test_previous_and_next_week_links(engineer):
    page = login(engineer).get(week_url()).content.decode()
    assert week_url("2026-W46") in page and week_url("2026-W48") in page


def test_bad_week_is_a_404_page_not_a_500(engineer):
    response = login(engineer).get(week_url("2026-W99"))
    assert response.status_code == 404
    assert b"No such week" in response.content


def test_posting_the_add_form_creates_an_entry(engineer, ticket, remote_support):
    http = login(engineer)
    response = http.post(
        reverse("timesheets:time_entry_create"), add_form(ticket=str(ticket.pk), note="On site")
    )
    assert response.status_code == 302 and response["Location"] == week_url()
    entry = TimeEntry.objects.get(agent=engineer)
    # 09:30 London on 17 Nov is 09:30 UTC; 1:30 is 90 minutes.
    assert entry.started_at == at(MONDAY + dt.timedelta(days=1), 9, 30)
    assert entry.worked_seconds == 5400 and entry.ticket == ticket
    assert entry.charge_type == remote_support and entry.is_billable
    assert b"Logged 1:30" in http.get(week_url()).content


def test_add_form_takes_an_end_time_and_local_zone(engineer, internal):
    engineer.agent.timezone = "Europe/Berlin"
    engineer.agent.save()
    http = login(engineer)
    http.post(
        reverse("timesheets:time_entry_create"),
        add_form(start="08:00", duration="", end="08:45", charge_type=str(internal.pk)),
    )
    entry = TimeEntry.objects.get(agent=engineer)
    assert entry.started_at == at(MONDAY + dt.timedelta(days=1), 7)  # Berlin is UTC+1
    assert entry.worked_seconds == 45 * 60 and not entry.is_billable


def test_add_form_billable_override(engineer, internal):
    login(engineer).post(
        reverse("timesheets:time_entry_create"),
        add_form(charge_type=str(internal.pk), billable="yes"),
    )
    assert TimeEntry.objects.get(agent=engineer).is_billable


def test_add_entry_with_htmx_returns_the_week_fragment(engineer, ticket):
    response = login(engineer).post(
        reverse("timesheets:time_entry_create"), add_form(ticket=str(ticket.pk)), **HTMX
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and 'id="week"' in page
    assert 'hx-swap-oob="true"' in page  # fresh form and messages
    assert "Logged 1:30" in page


def test_add_entry_in_another_week_redirects_the_browser(engineer):
    response = login(engineer).post(
        reverse("timesheets:time_entry_create"), add_form(date="2026-11-24"), **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == week_url("2026-W48")


def test_invalid_add_form_shows_errors_inline(engineer):
    http = login(engineer)
    response = http.post(reverse("timesheets:time_entry_create"), add_form(duration="soon"))
    assert response.status_code == 422
    assert b"Use h:mm" in response.content and b"<html" in response.content
    response = http.post(
        reverse("timesheets:time_entry_create"), add_form(duration="", end=""), **HTMX
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#entry-form"
    assert b"Give a duration or an end time." in response.content
    assert not TimeEntry.objects.exists()


def test_overlap_is_a_409_with_the_message(engineer, ticket):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
    )
    response = login(engineer).post(
        reverse("timesheets:time_entry_create"), add_form(date="2026-11-16", start="09:30"), **HTMX
    )
    assert response.status_code == 409
    assert b"overlaps your time entry" in response.content
    assert TimeEntry.objects.count() == 1


def test_edit_with_htmx_returns_fragments(engineer, ticket, internal):
    entry = time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9, 0),
        duration_minutes=60,
        ticket=ticket,
    )
    http = login(engineer)
    url = reverse("timesheets:time_entry_edit", args=[entry.pk])

    form = http.get(url, **HTMX)
    assert form.status_code == 200
    assert b"<html" not in form.content and f'id="entry-{entry.pk}"'.encode() in form.content

    data = {
        "date": "2026-11-16",
        "start": "09:00",
        "duration": "1:00",
        "end": "",
        "ticket": str(ticket.pk),
        "charge_type": str(internal.pk),
        "billable": "no",
        "note": "Edited",
    }
    response = http.post(url, data, **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content and b'id="week"' in response.content
    entry.refresh_from_db()
    assert (entry.note, entry.charge_type, entry.is_billable) == ("Edited", internal, False)
    assert entry.worked_seconds == 3600 and entry.started_at == at(MONDAY, 9)

    cancel = http.get(reverse("timesheets:time_entry_row", args=[entry.pk]), **HTMX)
    assert cancel.status_code == 200 and b"Edited" in cancel.content


def test_editing_only_the_note_keeps_exact_timer_seconds(engineer, ticket):
    entry = time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9, 0),
        ended_at=at(MONDAY, 9, 0) + dt.timedelta(seconds=1234),
        ticket=ticket,
    )
    http = login(engineer)
    data = {
        "date": "2026-11-16",
        "start": "09:00",
        "duration": "0:21",
        "end": "",
        "ticket": str(ticket.pk),
        "charge_type": str(entry.charge_type_id),
        "billable": "yes",
        "note": "Only the note",
    }
    http.post(reverse("timesheets:time_entry_edit", args=[entry.pk]), data, **HTMX)
    entry.refresh_from_db()
    assert entry.note == "Only the note" and entry.worked_seconds == 1234


def test_moving_an_entry_keeps_its_length(engineer, ticket):
    entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=45, ticket=ticket
    )
    data = {
        "date": "2026-11-17",
        "start": "13:00",
        "duration": "0:45",
        "end": "",
        "ticket": str(ticket.pk),
        "charge_type": str(entry.charge_type_id),
        "billable": "yes",
        "note": "",
    }
    response = login(engineer).post(reverse("timesheets:time_entry_edit", args=[entry.pk]), data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.started_at == at(MONDAY + dt.timedelta(days=1), 13)
    assert entry.worked_seconds == 45 * 60


def test_edit_errors_come_back_in_the_row(engineer, ticket):
    entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=45, ticket=ticket
    )
    data = {
        "date": "2026-11-16",
        "start": "09:00",
        "duration": "",
        "end": "08:00",
        "ticket": "",
        "charge_type": "",
        "billable": "",
        "note": "",
    }
    response = login(engineer).post(
        reverse("timesheets:time_entry_edit", args=[entry.pk]), data, **HTMX
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#entry-{entry.pk}"
    assert b"End must be after start" in response.content


def test_locked_entries_cannot_be_edited_or_deleted(engineer, ticket):
    entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=45, ticket=ticket
    )
    http = login(engineer)
    http.post(
        reverse("timesheets:submission_submit", args=[WEEK]),
        {"agent": engineer.pk, "comment": "Part week"},
    )
    page = http.get(week_url()).content.decode()
    assert reverse("timesheets:time_entry_edit", args=[entry.pk]) not in page
    response = http.post(reverse("timesheets:time_entry_delete", args=[entry.pk]), **HTMX)
    assert response.status_code == 409 and response["HX-Retarget"] == "#messages"
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_delete_entry(engineer, ticket):
    entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=45, ticket=ticket
    )
    response = login(engineer).post(
        reverse("timesheets:time_entry_delete", args=[entry.pk]), **HTMX
    )
    assert response.status_code == 200 and b'id="week"' in response.content
    assert not TimeEntry.objects.exists()


def test_others_entries_are_not_found(engineer, other_engineer, ticket):
    entry = time_entry_create(
        agent=other_engineer,
        actor=other_engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=45,
        ticket=ticket,
    )
    http = login(engineer)
    assert http.get(reverse("timesheets:time_entry_edit", args=[entry.pk])).status_code == 404
    assert http.post(reverse("timesheets:time_entry_delete", args=[entry.pk])).status_code == 302
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_approver_views_an_agents_week_read_only(engineer, approver, other_engineer, ticket):
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9),
        duration_minutes=45,
        ticket=ticket,
        note="Visible to approver",
    )
    http = login(approver)
    response = http.get(week_url() + f"?agent={engineer.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Visible to approver" in page and "Add time" not in page
    assert f"?agent={engineer.pk}" in page  # week navigation keeps the agent
    assert http.get(week_url() + f"?agent={other_engineer.pk}").status_code == 404
    assert login(engineer).get(week_url() + f"?agent={approver.pk}").status_code == 404


def test_timer_start_and_stop_through_the_page(engineer, ticket):
    http = login(engineer)
    response = http.post(
        reverse("timetracking:timer_start"), {"ticket": str(ticket.pk), "next": week_url()}
    )
    assert response.status_code == 302 and response["Location"] == week_url()
    timer = Timer.objects.get(agent=engineer, state=TimerState.RUNNING)
    page = http.get(week_url()).content.decode()
    assert "data-timer" in page and "data-running-since" in page
    assert reverse("timetracking:timer_stop", args=[timer.pk]) in page

    with_time = timer.running_since + dt.timedelta(minutes=25)
    from time_machine import travel

    with travel(with_time, tick=False):
        response = http.post(
            reverse("timetracking:timer_stop", args=[timer.pk]), {"next": week_url()}
        )
    assert response.status_code == 302
    entry = TimeEntry.objects.get(agent=engineer)
    assert entry.worked_seconds == 25 * 60 and entry.ticket == ticket
    assert b"Logged 0:25" in http.get(week_url()).content


def test_timer_without_anything_to_charge_is_a_message(engineer):
    engineer.agent.default_charge_type = None
    engineer.agent.save()
    http = login(engineer)
    response = http.post(reverse("timetracking:timer_start"), {"next": week_url()})
    assert response.status_code == 302
    assert b"Choose a charge type" in http.get(week_url()).content


def test_pause_and_resume(engineer, ticket):
    timer = timer_start(agent=engineer, actor=engineer, ticket=ticket)
    http = login(engineer)
    http.post(reverse("timetracking:timer_pause", args=[timer.pk]))
    timer.refresh_from_db()
    assert timer.state == TimerState.PAUSED
    assert b"Resume" in http.get(reverse("home")).content
    http.post(reverse("timetracking:timer_resume", args=[timer.pk]))
    timer.refresh_from_db()
    assert timer.state == TimerState.RUNNING


def test_someone_elses_timer_cannot_be_stopped(engineer, other_engineer, ticket):
    timer = timer_start(agent=other_engineer, actor=other_engineer, ticket=ticket)
    response = login(engineer).post(reverse("timetracking:timer_stop", args=[timer.pk]))
    assert response.status_code == 302
    assert Timer.objects.filter(pk=timer.pk).exists()


def test_submit_and_recall_through_the_page(engineer, ticket):
    entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=45, ticket=ticket
    )
    http = login(engineer)
    response = http.post(
        reverse("timesheets:submission_submit", args=[WEEK]),
        {"agent": engineer.pk, "comment": "Short week"},
    )
    assert response.status_code == 302
    submission = Submission.objects.get(agent=engineer)
    assert submission.comment == "Short week" and submission.state == SubmissionState.SUBMITTED
    entry.refresh_from_db()
    assert entry.state == EntryState.SUBMITTED
    page = http.get(week_url()).content.decode()
    assert "waiting for approval" in page and ">Recall<" in page

    http.post(reverse("timesheets:submission_recall", args=[submission.pk]))
    entry.refresh_from_db()
    assert entry.state == EntryState.DRAFT
    assert "Submit up to Wed 18 Nov" in http.get(week_url()).content.decode()  # today


def test_submit_twice_is_a_message_not_an_error(engineer):
    http = login(engineer)
    http.post(
        reverse("timesheets:submission_submit", args=[WEEK]),
        {"agent": engineer.pk, "comment": "Part week"},
    )
    response = http.post(
        reverse("timesheets:submission_submit", args=[WEEK]),
        {"agent": engineer.pk, "comment": "Part week"},
    )
    assert response.status_code == 302
    assert b"already submitted" in http.get(week_url()).content


def test_submitting_someone_elses_week_is_refused(engineer, other_engineer):
    response = login(engineer).post(
        reverse("timesheets:submission_submit", args=[WEEK]), {"agent": other_engineer.pk}
    )
    assert response.status_code == 302
    assert not Submission.objects.exists()


def _entries(agent, ticket, count):
    # Bulk rows: the services' own query counts are not what this test measures.
    tickets = [ticket, TicketFactory(client=ticket.client), TicketFactory(client=ticket.client)]
    internal = ChargeTypeFactory(name="Internal meeting", is_billable=False)
    rows = []
    for i in range(count):
        day = MONDAY + dt.timedelta(days=i % 7)
        start = at(day, 0) + dt.timedelta(minutes=20 * (i // 7))
        activity = i % 5 == 4
        rows.append(
            TimeEntry(
                agent=agent,
                ticket=None if activity else tickets[i % 3],
                charge_type=internal if activity else ticket.charge_type,
                started_at=start,
                ended_at=start + dt.timedelta(minutes=15),
                worked_seconds=900,
                is_billable=not activity,
                billable_seconds=0 if activity else 900,
                note=f"entry {i}",
            )
        )
    TimeEntry.objects.bulk_create(rows)


# Session, user with agent, header (notices and running timer), calendar (organisation, workdays,
# closures, leave), week entries, submission, timers, open tickets and charge types (read once
# for both forms): 12, whatever the number of entries.
WEEK_QUERY_BUDGET = 12


@pytest.mark.parametrize("count", [5, 500])
def test_my_week_query_budget_does_not_grow_with_entries(
    engineer, ticket, count, django_assert_max_num_queries
):
    _entries(engineer, ticket, count)
    timer_start(agent=engineer, actor=engineer, ticket=ticket)
    http = login(engineer)
    http.get(week_url())  # warm the session
    with django_assert_max_num_queries(WEEK_QUERY_BUDGET):
        response = http.get(week_url())
    assert response.content.decode().count('class="entry entry--draft"') == count


# --- Week at a glance: typing a day's total into a cell ----------------------------------------


def grid_url(week: str = WEEK) -> str:
    return reverse("timesheets:week_grid", args=[week])


def cell_name(key: str, day: dt.date, shown_seconds: int = 0) -> str:
    return f"cell:{key}:{(day - MONDAY).days}:{shown_seconds}"


def test_grid_cells_are_inputs_named_by_row_day_and_shown_seconds(engineer, ticket, internal):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=90, ticket=ticket
    )
    # Last week's activity is a row too, empty this week.
    time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY - dt.timedelta(days=7), 9),
        duration_minutes=30,
        charge_type=internal,
    )
    page = login(engineer).get(week_url()).content.decode()
    assert f'name="{cell_name(f"t{ticket.pk}", MONDAY, 5400)}" value="1:30"' in page
    assert f'name="{cell_name(f"a{internal.pk}", MONDAY)}" value=""' in page
    assert f'id="cell-t{ticket.pk}-0"' in page
    assert f'title="#{ticket.pk} Printer offline"' in page  # the whole title of a cut one
    assert f'action="{grid_url()}"' in page and f'hx-post="{grid_url()}"' in page


def test_grid_is_read_only_for_an_approver_and_in_a_submitted_week(engineer, approver, ticket):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=90, ticket=ticket
    )
    page = login(approver).get(week_url() + f"?agent={engineer.pk}").content.decode()
    assert "week-grid__input" not in page and "1:30" in page
    http = login(engineer)
    assert "week-grid__input" in http.get(week_url()).content.decode()
    http.post(
        reverse("timesheets:submission_submit", args=[WEEK]), {"agent": engineer.pk, "comment": "x"}
    )
    page = http.get(week_url()).content.decode()
    # Submitted on Wednesday: Monday to Wednesday are read-only, Thursday on stay open.
    assert f'id="cell-t{ticket.pk}-0"' not in page and f'id="cell-t{ticket.pk}-2"' not in page
    assert f'id="cell-t{ticket.pk}-3"' in page


def test_typing_a_total_with_htmx_returns_the_region_with_new_totals(engineer, ticket):
    tuesday = MONDAY + dt.timedelta(days=1)
    response = login(engineer).post(
        grid_url(), {"agent": engineer.pk, cell_name(f"t{ticket.pk}", tuesday): "1:30"}, **HTMX
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and 'id="week"' in page
    entry = TimeEntry.objects.get(agent=engineer)
    assert (entry.started_at, entry.worked_seconds) == (at(tuesday, 9), 5400)
    assert f'name="{cell_name(f"t{ticket.pk}", tuesday, 5400)}" value="1:30"' in page
    assert f"Saved #{ticket.pk} Tue 17 Nov: 1:30." in page  # the message, out of band


@pytest.mark.parametrize(("typed", "minutes"), [("1:30", 90), ("90m", 90), ("1.5", 90), ("", 0)])
def test_the_forms_people_type(engineer, ticket, typed, minutes):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=45, ticket=ticket
    )
    response = login(engineer).post(
        grid_url(), {"agent": engineer.pk, cell_name(f"t{ticket.pk}", MONDAY, 2700): typed}
    )
    assert response.status_code == 302 and response["Location"] == week_url()
    assert sum(e.worked_seconds for e in TimeEntry.objects.all()) == minutes * 60


def test_cells_left_as_shown_are_not_written(engineer, ticket):
    # A timer's entry of 20:34 shows as 0:21; posting the grid back must not trim it, and a
    # cell filled elsewhere since the page was drawn (shown as 0) must not be cleared.
    entry = time_entry_create(
        agent=engineer,
        actor=engineer,
        started_at=at(MONDAY, 9),
        ended_at=at(MONDAY, 9) + dt.timedelta(seconds=1234),
        ticket=ticket,
    )
    other = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 13), duration_minutes=60
    )
    posted = {
        "agent": engineer.pk,
        cell_name(f"t{ticket.pk}", MONDAY, 1234): "0:21",
        cell_name(f"a{other.charge_type_id}", MONDAY + dt.timedelta(days=1), 0): "",
    }
    response = login(engineer).post(grid_url(), posted)
    assert response.status_code == 302
    assert [(e.pk, e.worked_seconds) for e in TimeEntry.objects.order_by("pk")] == [
        (entry.pk, 1234),
        (other.pk, 3600),
    ]


def used_last_week(agent, ticket):
    """Give `agent` a grid row for `ticket` (it was worked on last week)."""
    time_entry_create(
        agent=agent,
        actor=agent,
        started_at=at(MONDAY - dt.timedelta(days=7), 9),
        duration_minutes=30,
        ticket=ticket,
    )


def test_a_bad_value_is_shown_in_its_cell(engineer, ticket):
    used_last_week(engineer, ticket)
    name = cell_name(f"t{ticket.pk}", MONDAY)
    http = login(engineer)
    response = http.post(grid_url(), {"agent": engineer.pk, name: "soon"}, **HTMX)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="week"' in page and "<html" not in page
    assert f'name="{name}" value="soon"' in page and 'aria-invalid="true"' in page
    assert ">Not a duration</span>" in page
    assert "&#39;soon&#39; is not a duration: type 1:30, 90m or 1.5." in page  # the message
    # Without JavaScript: the whole page, with the same cell.
    response = http.post(grid_url(), {"agent": engineer.pk, name: "25:00"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "<html" in page and ">Over 24 hours</span>" in page and 'value="25:00"' in page
    assert TimeEntry.objects.count() == 1


def test_a_submitted_week_refuses_in_the_cell(engineer, ticket):
    time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
    )
    http = login(engineer)
    http.post(
        reverse("timesheets:submission_submit", args=[WEEK]), {"agent": engineer.pk, "comment": "x"}
    )
    response = http.post(
        grid_url(),
        {"agent": engineer.pk, cell_name(f"t{ticket.pk}", MONDAY + dt.timedelta(days=1)): "1:00"},
        **HTMX,
    )
    assert response.status_code == 409
    assert b"is in the submitted timesheet of the week of 16 Nov" in response.content
    assert TimeEntry.objects.count() == 1


def test_locked_time_refuses_a_lower_total_in_the_cell(engineer, ticket):
    entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
    )
    TimeEntry.objects.filter(pk=entry.pk).update(state=EntryState.APPROVED)
    name = cell_name(f"t{ticket.pk}", MONDAY, 3600)
    response = login(engineer).post(grid_url(), {"agent": engineer.pk, name: "0:30"}, **HTMX)
    assert response.status_code == 409
    page = response.content.decode()
    assert ">1:00 locked</span>" in page and f'name="{name}" value="0:30"' in page
    assert TimeEntry.objects.get().worked_seconds == 3600


def test_an_overlap_is_refused_in_the_cell(engineer, ticket, internal):
    used_last_week(engineer, ticket)
    # A full day leaves no free slot for more time.
    for hour in (0, 12):
        time_entry_create(
            agent=engineer,
            actor=engineer,
            started_at=at(MONDAY, hour),
            duration_minutes=720,
            charge_type=internal,
        )
    response = login(engineer).post(
        grid_url(), {"agent": engineer.pk, cell_name(f"t{ticket.pk}", MONDAY): "0:30"}, **HTMX
    )
    assert response.status_code == 409 and b">No free slot</span>" in response.content


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("cell:x1:0:0", "malformed"),
        ("cell:t1:7:0", "malformed"),
        ("cell:t1:2026-11-16:0", "malformed"),
        ("cell:t1:0:-5", "malformed"),
        ("cell:t999999:0:0", "no such row"),
        ("cell:a999999:0:0", "no such row"),
    ],
)
def test_malformed_cells_are_a_422_naming_the_field(engineer, name, field):
    response = login(engineer).post(grid_url(), {"agent": engineer.pk, name: "1:00"}, **HTMX)
    assert response.status_code == 422
    assert name.encode() in response.content
    assert not TimeEntry.objects.exists()


def test_someone_elses_grid_is_refused(engineer, other_engineer, ticket):
    response = login(engineer).post(
        grid_url(), {"agent": other_engineer.pk, cell_name(f"t{ticket.pk}", MONDAY): "1:00"}
    )
    assert response.status_code == 302
    assert not TimeEntry.objects.exists()


def test_grid_save_query_count_does_not_grow_with_cells(
    engineer, ticket, internal, django_assert_max_num_queries
):
    http = login(engineer)
    http.get(week_url())  # warm the session
    posted = {"agent": engineer.pk}
    for day in range(7):
        for key in (f"t{ticket.pk}", f"a{internal.pk}"):
            posted[cell_name(key, MONDAY + dt.timedelta(days=day))] = ""  # unchanged: no writes
    # Session, user, agent, ticket and charge-type look-ups; then nothing per cell.
    with django_assert_max_num_queries(5):
        response = http.post(grid_url(), posted)
    assert response.status_code == 302
