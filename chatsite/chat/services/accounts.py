from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Profile


@transaction.atomic
def account_create(*, username: str, password: str, display_name: str):
    user = get_user_model().objects.create_user(username=username, password=password)
    Profile.objects.create(user=user, display_name=display_name)
    return user
