from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcsConfig(AppConfig):
    name = "chatsite.acs"
    label = "acs"
    verbose_name = _("ACS identities")

    def ready(self):
        from . import receivers  # noqa: F401 - connects the signal receivers
