from django.apps import AppConfig


class HaloConfig(AppConfig):
    name = "tallyhour.halo"
    label = "halo"
    verbose_name = "HaloPSA-compatible API"
