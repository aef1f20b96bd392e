from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DISPLAY_NAME_MAX_LENGTH = 80
# ACS documents no topic limit; this keeps headers and lists readable.
TOPIC_MAX_LENGTH = 120


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    display_name = models.CharField(
        _("display name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=_("Shown to the people you chat with."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return self.display_name


class Thread(models.Model):
    """The site's record of each thread it created in ACS (ACS stays the source of truth for membership)."""

    acs_thread_id = models.CharField(_("ACS thread id"), max_length=255, unique=True)
    topic = models.CharField(_("topic"), max_length=TOPIC_MAX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="created_threads",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # As last seen in ACS, for staff lists and search (chat/moderation.py keeps them up to date).
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("participants")
    )
    participant_count = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    # What the inbox shows, kept by ACS's events (chat/services/events.py). The ACS ids and versions are epoch
    # milliseconds: comparing them lets a late or out-of-order event never overwrite a newer state.
    last_message_id = models.PositiveBigIntegerField(_("last message id"), null=True, blank=True)
    last_message_version = models.PositiveBigIntegerField(_("last message version"), null=True, blank=True)
    last_message_preview = models.CharField(_("last message"), max_length=200, blank=True)
    last_message_sender_name = models.CharField(_("last message sender"), max_length=256, blank=True)
    last_message_sender_id = models.CharField(_("last message sender's ACS id"), max_length=255, blank=True)
    topic_version = models.PositiveBigIntegerField(_("topic version"), null=True, blank=True)
    # A one-to-one chat started without a topic: each of the two sees it named after the other.
    direct = models.BooleanField(_("one-to-one"), default=False)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        ordering = ["-created_at"]

    def __str__(self):
        return self.topic


class InboxEntry(models.Model):
    """One person's state of one thread, kept by ACS's events: unread messages and membership as last heard."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="inbox_entries", verbose_name=_("thread"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_entries", verbose_name=_("user")
    )
    # Messages from others received after the last one this person read.
    unread_count = models.PositiveIntegerField(_("unread messages"), default=0)
    last_read_message_id = models.PositiveBigIntegerField(_("last read message id"), default=0)
    # The version of the latest participant-added/removed event applied for this person.
    membership_version = models.PositiveBigIntegerField(_("membership version"), default=0)

    class Meta:
        verbose_name = _("inbox entry")
        verbose_name_plural = _("inbox entries")
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="chat_inbox_entry_unique")]

    def __str__(self):
        return f"{self.user} in {self.thread}"


class MessageSend(models.Model):
    """One message a person (or the service identity) sent, by the composer's client id: a retry after a late or
    lost answer finds it here and never sends twice, whatever the cache lost. Keyed by the sender, so someone else's
    client id never stands in for one's own message. Rows older than services.messages.SEND_RETENTION are purged.
    """

    thread_id = models.CharField(_("ACS thread id"), max_length=255)
    sender_id = models.CharField(_("sender's ACS id"), max_length=255)
    client_id = models.CharField(_("client id"), max_length=64)
    # Empty until ACS's answer (or a lookup) confirmed the message.
    message_id = models.CharField(_("ACS message id"), max_length=64, blank=True)
    # When the latest send of these words went out to ACS, and whether it is still on its way (its request not
    # ended): while it is, a retry waits for its outcome instead of sending again.
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    in_flight = models.BooleanField(_("on its way"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message send")
        verbose_name_plural = _("message sends")
        constraints = [
            models.UniqueConstraint(fields=["thread_id", "sender_id", "client_id"], name="chat_message_send_unique")
        ]

    def __str__(self):
        return f"{self.client_id} in {self.thread_id}"


class Membership(models.Model):
    """One window of one person's part in one thread: what they may see of it, as ACS would show them.

    Written only by chat/services/record.py, whatever told the site (its own write, a poll's system messages, an
    event-triggered read, a roster read). A person removed and added again has two rows; the latest one is the
    part ACS answers for (chat/visibility.py). Versions are ACS's epoch milliseconds (message ids): the add's and the
    removal's system message, or the site's clock for its own write until ACS's message narrows it.
    """

    LEFT = "left"
    REMOVED = "removed"
    DELETED = "deleted"
    ENDS = [(LEFT, _("left")), (REMOVED, _("removed")), (DELETED, _("thread deleted"))]

    thread_id = models.CharField(_("ACS thread id"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    # None: all of the thread's history (ACS: no share-history time).
    history_from = models.DateTimeField(_("sees history from"), null=True, blank=True)
    joined_version = models.PositiveBigIntegerField(_("joined (epoch ms)"), default=0)
    # The last message id they may see (the removal's system message), None while the part lasts.
    ended_version = models.PositiveBigIntegerField(_("ended (epoch ms)"), null=True, blank=True)
    ended = models.CharField(_("ended by"), max_length=16, choices=ENDS, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["thread_id", "user", "joined_version"], name="chat_membership_window")]

    def __str__(self):
        return f"{self.user} in {self.thread_id}"


class HiddenMessage(models.Model):
    """A message a moderator hid on the site: no surface shows it to anyone but staff in the admin."""

    thread_id = models.CharField(_("ACS thread id"), max_length=255)
    message_id = models.PositiveBigIntegerField(_("ACS message id"))
    hidden_at = models.DateTimeField(_("hidden at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hidden message")
        verbose_name_plural = _("hidden messages")
        constraints = [models.UniqueConstraint(fields=["thread_id", "message_id"], name="chat_hidden_message_unique")]

    def __str__(self):
        return f"{self.message_id} in {self.thread_id}"


class UnreadMessage(models.Model):
    """One message counted unread for one person: told twice (the site's send, a poll, an event) it is one row."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+", verbose_name=_("thread"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    message_id = models.PositiveBigIntegerField(_("ACS message id"))

    class Meta:
        verbose_name = _("unread message")
        verbose_name_plural = _("unread messages")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user", "message_id"], name="chat_unread_message_unique")
        ]

    def __str__(self):
        return f"{self.message_id} for {self.user}"
