from django.urls import path

from tallyhour.reports import views

app_name = "reports"
urlpatterns = [
    path("utilisation/", views.utilisation, name="utilisation"),
]
