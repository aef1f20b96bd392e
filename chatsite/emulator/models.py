"""The emulator's state. It lives in the Django database so it survives restarts and is shared by workers.

Ids are the ACS wire ids: identities `8:acs:<resource>_<guid>`, threads `19:<hex>@thread.v2`, messages epoch-ms.
"""

from django.db import models


class Identity(models.Model):
    id = models.CharField(primary_key=True, max_length=128)
    created_on = models.DateTimeField(auto_now_add=True)
    # Tokens issued before this instant are refused (revoke_tokens).
    tokens_valid_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "identities"

    def __str__(self):
        return self.id


class Thread(models.Model):
    id = models.CharField(primary_key=True, max_length=128)
    topic = models.TextField()
    created_on = models.DateTimeField()
    created_by = models.CharField(max_length=128)
    # The creator's repeatability-request-id: the same id again returns this thread.
    repeatability_request_id = models.CharField(max_length=128)
    deleted_on = models.DateTimeField(null=True, blank=True)
    # Last user message (ChatThreadItem.lastMessageReceivedOn); None until someone writes.
    last_message_received_on = models.DateTimeField(null=True, blank=True)
    # Last change of any kind: what list_chat_threads sorts and filters on.
    updated_on = models.DateTimeField()
    last_sequence_id = models.PositiveBigIntegerField(default=0)
    last_message_id = models.PositiveBigIntegerField(default=0)
    # api-version 2025-03-15: name/value pairs, and {"kind": "threadCreationDate", "deleteThreadAfterDays": N}
    metadata = models.JSONField(null=True, blank=True)
    retention_policy = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "repeatability_request_id"], name="emulator_thread_repeatability"
            ),
        ]
        indexes = [models.Index(fields=["-updated_on", "id"], name="emulator_thread_updated")]

    def __str__(self):
        return self.id


class Participant(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    user_id = models.CharField(max_length=128)
    display_name = models.CharField(max_length=256, blank=True)
    # None = full history (returned as 1970-01-01T00:00:00Z, as the real service does).
    share_history_time = models.DateTimeField(null=True, blank=True)
    added_on = models.DateTimeField()
    # Set while removed: the participant keeps reading messages up to this sequence id.
    removed_at_sequence_id = models.PositiveBigIntegerField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)  # api-version 2025-03-15

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user_id"], name="emulator_participant_unique")]
        indexes = [models.Index(fields=["user_id", "removed_at_sequence_id"], name="emulator_participant_user")]

    def __str__(self):
        return f"{self.user_id} in {self.thread_id}"

    @property
    def is_active(self) -> bool:
        return self.removed_at_sequence_id is None


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    message_id = models.PositiveBigIntegerField()
    sequence_id = models.PositiveBigIntegerField()
    type = models.CharField(max_length=32)
    # ChatMessageContent as sent on the wire: message / topic / participants / initiatorCommunicationIdentifier.
    content = models.JSONField(default=dict)
    sender_id = models.CharField(max_length=128, blank=True)
    sender_display_name = models.CharField(max_length=256, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    created_on = models.DateTimeField()
    edited_on = models.DateTimeField(null=True, blank=True)
    deleted_on = models.DateTimeField(null=True, blank=True)
    version = models.PositiveBigIntegerField()
    # Creation, edit or deletion: list_messages' startTime filters on this.
    modified_on = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "sequence_id"], name="emulator_message_sequence"),
            models.UniqueConstraint(fields=["thread", "message_id"], name="emulator_message_id"),
        ]
        indexes = [models.Index(fields=["thread", "modified_on"], name="emulator_message_modified")]

    def __str__(self):
        return f"{self.thread_id}/{self.message_id}"

    @property
    def is_system(self) -> bool:
        return self.type not in ("text", "html")


class ReadReceipt(models.Model):
    """The latest message each participant has read in a thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_receipts")
    user_id = models.CharField(max_length=128)
    message_id = models.PositiveBigIntegerField()
    sequence_id = models.PositiveBigIntegerField()
    read_on = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user_id"], name="emulator_receipt_unique")]

    def __str__(self):
        return f"{self.user_id} read {self.thread_id}/{self.message_id}"


from .events.models import EventDelivery, EventSubscription  # noqa: E402, F401 - the Event Grid tables
