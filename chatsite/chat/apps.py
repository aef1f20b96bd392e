from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chatsite.chat"
    label = "chat"
    verbose_name = _("Chat")

    def ready(self):
        from . import receivers  # noqa: F401 - connects the site's reactions to ACS events
        from .push import receivers as push_receivers  # noqa: F401 - a logout closes its streams
