from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "tallyhour.timesheets"
    label = "timesheets"

    def ready(self) -> None:
        from tallyhour.timesheets import receivers, tasks
        from tallyhour.timesheets.selectors import closed_day_of
        from tallyhour.timetracking.locks import closed_day_finder_register

        tasks.register()
        receivers.connect()
        # Time may not be written into a day a submitted or approved week covers.
        closed_day_finder_register(closed_day_of)
