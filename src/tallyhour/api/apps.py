from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tallyhour.api"
    label = "api"
