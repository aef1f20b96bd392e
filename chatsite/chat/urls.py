from django.urls import path, register_converter

from .forms import MESSAGE_ID
from .views import accounts, membership, messages, presence, threads


class ThreadId:
    """An ACS thread id ("19:…@thread.v2"): printable ASCII, no slash, no longer than ACS's ids get. Anything else
    is no thread: 404 with no ACS call (a huge or non-ASCII id would not even fit in a request to ACS)."""

    regex = r"[!-.0-~]{1,200}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class MessageId(ThreadId):
    """An ACS message id: a number (forms.MESSAGE_ID)."""

    regex = MESSAGE_ID.pattern


register_converter(ThreadId, "thread")
register_converter(MessageId, "message")

app_name = "chat"
urlpatterns = [
    path("", threads.thread_list, name="thread_list"),
    path("inbox/", threads.thread_list_poll, name="thread_list_poll"),
    path("signup/", accounts.signup, name="signup"),
    path("threads/new/", threads.thread_create, name="thread_create"),
    path("threads/<thread:thread_id>/", threads.thread_detail, name="thread_detail"),
    path("threads/<thread:thread_id>/topic/", threads.topic, name="topic"),
    path("threads/<thread:thread_id>/topic/edit/", threads.topic_edit, name="topic_edit"),
    path("threads/<thread:thread_id>/leave/", threads.thread_leave, name="thread_leave"),
    path("threads/<thread:thread_id>/delete/", threads.thread_delete, name="thread_delete"),
    path("threads/<thread:thread_id>/poll/", messages.thread_poll, name="thread_poll"),
    path("threads/<thread:thread_id>/messages/", messages.message_send, name="message_send"),
    path("threads/<thread:thread_id>/messages/<message:message_id>/", messages.message_detail, name="message_detail"),
    path("threads/<thread:thread_id>/messages/<message:message_id>/edit/", messages.message_edit, name="message_edit"),
    path(
        "threads/<thread:thread_id>/messages/<message:message_id>/delete/",
        messages.message_delete,
        name="message_delete",
    ),
    path("threads/<thread:thread_id>/typing/", presence.typing, name="typing"),
    path("threads/<thread:thread_id>/read/", presence.thread_read, name="thread_read"),
    path("threads/<thread:thread_id>/participants/", membership.participants, name="participants"),
    path("threads/<thread:thread_id>/participants/add/", membership.participants_add, name="participants_add"),
    path("threads/<thread:thread_id>/participants/remove/", membership.participant_remove, name="participant_remove"),
]
