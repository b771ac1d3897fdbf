from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "tallyhour.billing"
    label = "billing"

    def ready(self) -> None:
        from tallyhour.billing import tasks

        tasks.register()
