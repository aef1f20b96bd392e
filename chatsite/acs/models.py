from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AcsIdentity(models.Model):
    """A person's ACS user and cached chat token (a bearer credential: server-side only, never shown)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="acs_identity",
        verbose_name=_("user"),
    )
    acs_user_id = models.CharField(_("ACS user id"), max_length=255, unique=True)
    token = models.TextField(_("chat token"), blank=True, editable=False)
    token_expires_on = models.DateTimeField(_("token expires on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ACS identity")
        verbose_name_plural = _("ACS identities")

    def __str__(self):
        return self.acs_user_id

    def __repr__(self):
        return f"<AcsIdentity user={self.user_id} acs_user_id={self.acs_user_id}>"


class ServiceIdentity(models.Model):
    """The site's own ACS user: a participant of every thread the site creates, acting for staff.

    One row at most (pk is always 1), so concurrent first uses agree on a single ACS user.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    acs_user_id = models.CharField(_("ACS user id"), max_length=255, unique=True)
    token = models.TextField(_("chat token"), blank=True, editable=False)
    token_expires_on = models.DateTimeField(_("token expires on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service identity")
        verbose_name_plural = _("service identity")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="acs_service_identity_singleton"),
        ]

    def __str__(self):
        return self.acs_user_id
