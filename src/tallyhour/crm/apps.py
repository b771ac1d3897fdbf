from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "tallyhour.crm"
    label = "crm"
