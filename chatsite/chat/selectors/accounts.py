"""People: display names (the profile's, also used as the ACS display name) and who can be added to a chat."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from chatsite.acs.models import AcsIdentity


def display_name(user) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile else user.get_username()


def people_choices(*, exclude, search: str = ""):
    """Everyone someone can start a chat with: people, not staff accounts, and not themselves; `search` matches
    a part of the display name or username."""
    people = get_user_model().objects.filter(is_active=True, is_staff=False).exclude(pk=exclude.pk)
    if search.strip():
        people = people.filter(
            Q(profile__display_name__icontains=search.strip()) | Q(username__icontains=search.strip())
        )
    return people.select_related("profile").order_by("profile__display_name", "username")


def names_by_acs_id(acs_user_ids) -> dict[str, str]:
    identities = AcsIdentity.objects.filter(acs_user_id__in=set(acs_user_ids)).select_related("user__profile")
    return {identity.acs_user_id: display_name(identity.user) for identity in identities}


def people_by_acs_id(acs_user_ids) -> dict:
    """The site's people among these ACS users, by ACS user id."""
    identities = AcsIdentity.objects.filter(acs_user_id__in=set(acs_user_ids)).select_related("user__profile")
    return {identity.acs_user_id: identity.user for identity in identities}


def user_pk_by_acs_id(acs_user_id: str) -> int | None:
    return AcsIdentity.objects.filter(acs_user_id=acs_user_id).values_list("user_id", flat=True).first()
