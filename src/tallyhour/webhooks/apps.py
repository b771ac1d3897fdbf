from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tallyhour.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from tallyhour.core.events import event_emitted
        from tallyhour.webhooks import services, tasks

        tasks.register()
        event_emitted.connect(services.on_event_emitted, dispatch_uid="webhooks.outbox")
