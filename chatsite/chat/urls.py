from django.urls import path

from .views import accounts, membership, messages, presence, threads

app_name = "chat"
urlpatterns = [
    path("", threads.thread_list, name="thread_list"),
    path("inbox/", threads.thread_list_poll, name="thread_list_poll"),
    path("signup/", accounts.signup, name="signup"),
    path("threads/new/", threads.thread_create, name="thread_create"),
    path("threads/<str:thread_id>/", threads.thread_detail, name="thread_detail"),
    path("threads/<str:thread_id>/topic/", threads.topic, name="topic"),
    path("threads/<str:thread_id>/topic/edit/", threads.topic_edit, name="topic_edit"),
    path("threads/<str:thread_id>/leave/", threads.thread_leave, name="thread_leave"),
    path("threads/<str:thread_id>/delete/", threads.thread_delete, name="thread_delete"),
    path("threads/<str:thread_id>/poll/", messages.thread_poll, name="thread_poll"),
    path("threads/<str:thread_id>/messages/", messages.message_send, name="message_send"),
    path("threads/<str:thread_id>/messages/<str:message_id>/", messages.message_detail, name="message_detail"),
    path("threads/<str:thread_id>/messages/<str:message_id>/edit/", messages.message_edit, name="message_edit"),
    path(
        "threads/<str:thread_id>/messages/<str:message_id>/delete/", messages.message_delete, name="message_delete"
    ),
    path("threads/<str:thread_id>/status/", presence.thread_status, name="thread_status"),
    path("threads/<str:thread_id>/typing/", presence.typing, name="typing"),
    path("threads/<str:thread_id>/participants/", membership.participants, name="participants"),
    path("threads/<str:thread_id>/participants/add/", membership.participants_add, name="participants_add"),
    path("threads/<str:thread_id>/participants/remove/", membership.participant_remove, name="participant_remove"),
]
