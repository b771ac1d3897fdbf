from django.urls import path

from tallyhour.servicedesk import views

app_name = "servicedesk"
urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("picker/search/", views.ticket_search, name="ticket_search"),
    path("picker/pick/", views.ticket_pick, name="ticket_pick"),
    path("<int:ticket_id>/", views.ticket_detail, name="ticket_detail"),
    path("<int:ticket_id>/open/", views.ticket_open, name="ticket_open"),
    path("<int:ticket_id>/work/", views.ticket_work, name="ticket_work"),
    path("<int:ticket_id>/actions/", views.action_add, name="action_add"),
    path("<int:ticket_id>/edit/", views.ticket_edit, name="ticket_edit"),
    path("<int:ticket_id>/project/", views.project_detail, name="project_detail"),
]
