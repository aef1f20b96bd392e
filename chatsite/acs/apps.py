from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcsConfig(AppConfig):
    name = "chatsite.acs"
    label = "acs"
    verbose_name = _("ACS identities")
