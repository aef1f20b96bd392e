"""People: display names (the profile's, also used as the ACS display name) and who can be added to a chat."""

import dataclasses

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils.crypto import salted_hmac

from chatsite.acs.models import AcsIdentity

from ..models import Profile


def display_name(user) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile else user.get_username()


def people_choices(*, exclude):
    """Everyone someone can start a chat with or add to one: people, not staff accounts, and not themselves."""
    people = get_user_model().objects.filter(is_active=True, is_staff=False).exclude(pk=exclude.pk)
    return people.select_related("profile").order_by("profile__display_name", "username")


# The picker never lists the directory: one answer shows at most this many people.
PEOPLE_PER_PAGE = 20
# Longer than any username (150) or display name: a longer search finds nobody, and is not sent to the database
# (SQLite refuses a LIKE pattern over 50 KB).
SEARCH_MAX_LENGTH = 150


@dataclasses.dataclass(frozen=True)
class Person:
    pk: int
    name: str
    tag: str = ""  # set when someone else on the site has the same display name: tells them apart in a picker


def as_people(users) -> list[Person]:
    users = list(users)
    shared = _shared_names([display_name(user) for user in users])
    return [
        Person(user.pk, name, person_tag(user.pk) if name in shared else "")
        for user, name in ((user, display_name(user)) for user in users)
    ]


def person_tag(pk: int) -> str:
    """A short mark that tells apart two people with one display name ("#3f9a"), the same on every page. Not
    their login (no page shows logins) and not their id: four characters of a keyed hash of it."""
    return "#" + salted_hmac("chatsite.person-tag", str(pk), algorithm="sha256").hexdigest()[:4]


def _shared_names(names) -> set[str]:
    """Which of these display names more than one active account has."""
    counted = (
        Profile.objects.filter(display_name__in=set(names), user__is_active=True)
        .values("display_name")
        .annotate(accounts=Count("pk"))
        .filter(accounts__gt=1)
    )
    return {row["display_name"] for row in counted}


def people_search(*, exclude, search: str = "", leave_out=(), leave_out_acs_ids=()) -> tuple[list[Person], bool]:
    """The people the picker shows for `search`, and whether more match: at most PEOPLE_PER_PAGE.

    Matched by what pages show, a part of the display name; a login (which no page shows) only when typed in full,
    whatever its case, so it cannot be spelled out a letter at a time. `leave_out`: pks already chosen;
    `leave_out_acs_ids`: people in the chat already (the Add-people picker).
    """
    words = search.strip()
    if len(words) > SEARCH_MAX_LENGTH or "\x00" in words:  # PostgreSQL refuses a NUL
        return [], False
    people = people_choices(exclude=exclude).exclude(pk__in=list(leave_out))
    if leave_out_acs_ids:
        people = people.exclude(acs_identity__acs_user_id__in=list(leave_out_acs_ids))
    if words:
        people = people.filter(
            Q(profile__display_name__icontains=words)
            | Q(profile__isnull=True, username__icontains=words)  # no profile: pages show the login
            | Q(username__iexact=words)
        )
    found = as_people(people[: PEOPLE_PER_PAGE + 1])
    return found[:PEOPLE_PER_PAGE], len(found) > PEOPLE_PER_PAGE


def names_by_acs_id(acs_user_ids) -> dict[str, str]:
    """As display_name, for many: plain values, not model instances (a 250-person roster is named on every send)."""
    login = f"user__{get_user_model().USERNAME_FIELD}"
    rows = AcsIdentity.objects.filter(acs_user_id__in=set(acs_user_ids)).values_list(
        "acs_user_id", "user__profile__pk", "user__profile__display_name", login
    )
    return {acs_id: name if profile is not None else username for acs_id, profile, name, username in rows}


def people_by_acs_id(acs_user_ids) -> dict:
    """The site's people among these ACS users, by ACS user id."""
    identities = AcsIdentity.objects.filter(acs_user_id__in=set(acs_user_ids)).select_related("user__profile")
    return {identity.acs_user_id: identity.user for identity in identities}


def user_pk_by_acs_id(acs_user_id: str) -> int | None:
    return AcsIdentity.objects.filter(acs_user_id=acs_user_id).values_list("user_id", flat=True).first()
