from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "tallyhour.billing"
    label = "billing"
