"""A logout closes that session's streams, in whichever process holds them."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .broker import publish_logout


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        publish_logout(request.session.session_key)
