from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "tallyhour.contracts"
    label = "contracts"
