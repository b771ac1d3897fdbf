from django.urls import path

from tallyhour.timetracking import charge_type_views as views

app_name = "charge_types"
urlpatterns = [
    path("", views.charge_type_list, name="list"),
    path("new/", views.charge_type_new, name="new"),
    path("<int:charge_type_id>/edit/", views.charge_type_edit, name="edit"),
]
