from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tallyhour.reports"
    label = "reports"
