from django.apps import AppConfig


class TimetrackingConfig(AppConfig):
    name = "tallyhour.timetracking"
    label = "timetracking"
