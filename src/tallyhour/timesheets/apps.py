from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "tallyhour.timesheets"
    label = "timesheets"
