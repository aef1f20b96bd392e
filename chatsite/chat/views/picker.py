"""The people picker both forms share (a new chat, Add people): whoever is chosen, then who a search finds."""

from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from ..selectors.accounts import as_people, people_search

# Searches of the people picker a person may make (django-ratelimit's notation): enough to type names, too few to
# read the directory out.
SEARCH_RATE = "30/m"


def people_picker(request, *, chosen_users, search: str, leave_out_acs_ids=()) -> dict:
    """Who the picker lists: the people chosen (in a refused post, or ticked before this search), then at most
    PEOPLE_PER_PAGE found by `search`. Searches are counted per person: beyond SEARCH_RATE the answer is a
    message, not a list."""
    chosen = as_people(chosen_users)
    if search.strip() and is_ratelimited(request, group="people-search", key="user", rate=SEARCH_RATE, increment=True):
        message = _("Too many searches in a minute. Wait a moment, then search again.")
        return {"chosen": chosen, "found": [], "more": False, "refused": message}
    found, more = people_search(
        exclude=request.user, search=search, leave_out=[p.pk for p in chosen], leave_out_acs_ids=leave_out_acs_ids
    )
    return {"chosen": chosen, "found": found, "more": more, "refused": None}
