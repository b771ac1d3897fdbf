from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tallyhour.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from tallyhour.webhooks import tasks

        tasks.register()
