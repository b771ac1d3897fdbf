from django.urls import path

from tallyhour.crm import views

app_name = "crm"
urlpatterns = [
    path("", views.client_list, name="client_list"),
    path("new/", views.client_new, name="client_new"),
    path("<int:client_id>/", views.client_detail, name="client_detail"),
    path("<int:client_id>/edit/", views.client_edit, name="client_edit"),
    path("<int:client_id>/contacts/", views.contact_invite, name="contact_invite"),
    path(
        "<int:client_id>/contacts/<int:contact_id>/",
        views.contact_change,
        name="contact_change",
    ),
    path("<int:client_id>/sites/", views.site_add, name="site_add"),
    path("<int:client_id>/sites/<int:site_id>/", views.site_change, name="site_change"),
]
