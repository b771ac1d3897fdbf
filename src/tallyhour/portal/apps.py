from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tallyhour.portal"
    label = "portal"
    verbose_name = "Client portal"
