from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tallyhour.core"
    label = "core"
