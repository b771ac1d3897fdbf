from django.urls import path

from tallyhour.reports import views

app_name = "reports"
urlpatterns = [
    path("utilisation/", views.utilisation, name="utilisation"),
    path("missed-hours/", views.missed_hours, name="missed_hours"),
    path("missed-hours/<slug:kind>/", views.missed_entries, name="missed_entries"),
    path("profitability/", views.profitability, name="profitability"),
]
