from django.urls import path

from tallyhour.timesheets.views import approvals, entries, grid, leave, week

app_name = "timesheets"
urlpatterns = [
    path("week/", week.week_page, name="my_week"),
    path("week/<str:week>/", week.week_page, name="week"),
    path("week/<str:week>/submit/", week.submit_week, name="submission_submit"),
    path("week/<str:week>/copy-last-week/", week.copy_last_week, name="copy_last_week"),
    path("week/<str:week>/grid/", grid.grid_save, name="week_grid"),
    path("day/<str:day>/", week.day_page, name="day"),
    path(
        "submissions/<int:submission_id>/recall/",
        week.recall_submission,
        name="submission_recall",
    ),
    path("tickets/<int:ticket_id>/submit-time/", week.submit_ticket, name="ticket_submit"),
    # POST creates. An entry's pages sit under it (<id>/, <id>/edit/, <id>/delete/): a week's
    # rows compose them from this one address instead of reversing three per row.
    path("entries/", entries.entry_create, name="time_entry_create"),
    path("entries/<int:entry_id>/", entries.entry_row, name="time_entry_row"),
    path("entries/<int:entry_id>/edit/", entries.entry_edit, name="time_entry_edit"),
    path("entries/<int:entry_id>/delete/", entries.entry_delete, name="time_entry_delete"),
    path("entries/<int:entry_id>/write-off/", approvals.write_off, name="time_entry_write_off"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("approvals/<int:submission_id>/", approvals.approval_detail, name="approval_detail"),
    path("approvals/bulk-approve/", approvals.bulk_approve, name="submissions_bulk_approve"),
    path("approvals/<int:submission_id>/approve/", approvals.approve, name="submission_approve"),
    path("approvals/<int:submission_id>/reject/", approvals.reject, name="submission_reject"),
    path("approvals/<int:submission_id>/reopen/", approvals.reopen, name="submission_reopen"),
    path("leave/", leave.leave_page, name="leave"),
    path("leave/<int:leave_id>/delete/", leave.leave_delete, name="leave_delete"),
]
