"""Display names: a person's profile name, used on the site and as their ACS display name."""

from django.contrib.auth import get_user_model

from chatsite.acs.models import AcsIdentity


def display_name(user) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile else user.get_username()


def people_choices(*, exclude):
    """Everyone someone can start a chat with."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk=exclude.pk)
        .select_related("profile")
        .order_by("profile__display_name", "username")
    )


def names_by_acs_id(acs_user_ids) -> dict[str, str]:
    identities = AcsIdentity.objects.filter(acs_user_id__in=set(acs_user_ids)).select_related("user__profile")
    return {identity.acs_user_id: display_name(identity.user) for identity in identities}
