from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "tallyhour.timesheets"
    label = "timesheets"

    def ready(self) -> None:
        from tallyhour.timesheets import receivers, tasks

        tasks.register()
        receivers.connect()
