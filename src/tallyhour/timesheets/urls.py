from django.urls import path

from tallyhour.timesheets import views

app_name = "timesheets"
urlpatterns = [
    path("week/<str:week>/", views.week_page, name="week"),
    path("week/<str:week>/submit/", views.submit_week, name="submission_submit"),
    path(
        "submissions/<int:submission_id>/recall/",
        views.recall_submission,
        name="submission_recall",
    ),
    path("entries/new/", views.entry_create, name="time_entry_create"),
    path("entries/<int:entry_id>/", views.entry_row, name="time_entry_row"),
    path("entries/<int:entry_id>/edit/", views.entry_edit, name="time_entry_edit"),
    path("entries/<int:entry_id>/delete/", views.entry_delete, name="time_entry_delete"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:submission_id>/approve/", views.approve, name="submission_approve"),
    path("approvals/<int:submission_id>/reject/", views.reject, name="submission_reject"),
]
