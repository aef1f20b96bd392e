"""Routes for managing a conversation; chat/urls.py adds them to the `chat` namespace."""

from django.urls import path

from . import views_manage as views

urlpatterns = [
    path("threads/<str:thread_id>/status/", views.thread_status, name="thread_status"),
    path("threads/<str:thread_id>/typing/", views.typing, name="typing"),
    path("threads/<str:thread_id>/participants/", views.participants, name="participants"),
    path("threads/<str:thread_id>/participants/add/", views.participants_add, name="participants_add"),
    path("threads/<str:thread_id>/participants/remove/", views.participant_remove, name="participant_remove"),
    path("threads/<str:thread_id>/leave/", views.thread_leave, name="thread_leave"),
    path("threads/<str:thread_id>/delete/", views.thread_delete, name="thread_delete"),
    path("threads/<str:thread_id>/topic/", views.topic, name="topic"),
    path("threads/<str:thread_id>/topic/edit/", views.topic_edit, name="topic_edit"),
]
