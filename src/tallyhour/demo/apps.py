from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tallyhour.demo"
    label = "demo"
