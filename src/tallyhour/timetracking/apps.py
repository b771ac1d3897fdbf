from django.apps import AppConfig


class TimetrackingConfig(AppConfig):
    name = "tallyhour.timetracking"
    label = "timetracking"

    def ready(self) -> None:
        from tallyhour.timetracking import capture, tasks

        tasks.register()
        capture.connect()
