from django.urls import path

from tallyhour.timesheets import views

app_name = "timesheets"
urlpatterns = [
    path("week/<str:week>/", views.week_page, name="week"),
    path("week/<str:week>/submit/", views.submit_week, name="submission_submit"),
    path("week/<str:week>/copy-last-week/", views.copy_last_week, name="copy_last_week"),
    path("day/<str:day>/", views.day_page, name="day"),
    path(
        "submissions/<int:submission_id>/recall/",
        views.recall_submission,
        name="submission_recall",
    ),
    path("tickets/<int:ticket_id>/submit-time/", views.submit_ticket, name="ticket_submit"),
    path("entries/new/", views.entry_create, name="time_entry_create"),
    path("entries/<int:entry_id>/", views.entry_row, name="time_entry_row"),
    path("entries/<int:entry_id>/edit/", views.entry_edit, name="time_entry_edit"),
    path("entries/<int:entry_id>/delete/", views.entry_delete, name="time_entry_delete"),
    path("entries/<int:entry_id>/write-off/", views.write_off, name="time_entry_write_off"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/bulk-approve/", views.bulk_approve, name="submissions_bulk_approve"),
    path("approvals/<int:submission_id>/approve/", views.approve, name="submission_approve"),
    path("approvals/<int:submission_id>/reject/", views.reject, name="submission_reject"),
    path("approvals/<int:submission_id>/reopen/", views.reopen, name="submission_reopen"),
    path("leave/", views.leave_page, name="leave"),
    path("leave/<int:leave_id>/delete/", views.leave_delete, name="leave_delete"),
]
