from django.apps import AppConfig


class EmulatorConfig(AppConfig):
    name = "chatsite.emulator"
    label = "emulator"
    verbose_name = "ACS emulator"
