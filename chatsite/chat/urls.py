from django.urls import path

from . import urls_manage, views

app_name = "chat"
urlpatterns = [
    path("", views.thread_list, name="thread_list"),
    path("signup/", views.signup, name="signup"),
    path("threads/new/", views.thread_create, name="thread_create"),
    path("threads/<str:thread_id>/", views.thread_detail, name="thread_detail"),
    path("threads/<str:thread_id>/poll/", views.thread_poll, name="thread_poll"),
    path("threads/<str:thread_id>/messages/", views.message_send, name="message_send"),
    path("threads/<str:thread_id>/messages/<str:message_id>/", views.message_detail, name="message_detail"),
    path("threads/<str:thread_id>/messages/<str:message_id>/edit/", views.message_edit, name="message_edit"),
    path(
        "threads/<str:thread_id>/messages/<str:message_id>/delete/",
        views.message_delete,
        name="message_delete",
    ),
]
urlpatterns += urls_manage.urlpatterns
