from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "tallyhour.servicedesk"
    label = "servicedesk"
