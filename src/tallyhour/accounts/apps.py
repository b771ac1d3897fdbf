from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tallyhour.accounts"
    label = "accounts"
