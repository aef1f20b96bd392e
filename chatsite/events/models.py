from django.db import models
from django.utils.translation import gettext_lazy as _


class ReceivedEvent(models.Model):
    """Event ids already handled: Event Grid delivers at least once, so a repeated id is skipped.

    Rows older than RETENTION are purged; Event Grid gives up on an event after 24 h at most.
    """

    event_id = models.CharField(_("event id"), max_length=64, unique=True)
    event_type = models.CharField(_("event type"), max_length=128)
    thread_id = models.CharField(_("ACS thread id"), max_length=255)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("received event")
        verbose_name_plural = _("received events")

    def __str__(self):
        return f"{self.event_type} {self.event_id}"
