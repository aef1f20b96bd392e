"""The people picker finds people by what pages show (display names), a login only when typed in full, lists at
most 20 people an answer, and counts each person's searches."""

import re
import types

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from chatsite.chat.models import Profile
from chatsite.chat.selectors.accounts import PEOPLE_PER_PAGE

from .conftest import HTMX

HIDDEN_LOGIN = "zq7hidden"
REFUSED = "Too many searches in a minute. Wait a moment, then search again."


def search(client, words, **headers):
    return client.get(reverse("chat:thread_create"), {"q": words}, **headers)


def listed(response):
    html = response.content.decode()
    labels = re.findall(r"data-person><input[^>]*>(.*?)</label>", html, re.S)
    return [re.sub(r"<[^>]+>", "", label).strip() for label in labels]


@pytest.fixture
def frozen_clock(monkeypatch):
    """django-ratelimit counts in fixed one-minute windows: its clock stands still (and moves when the test says),
    so a test never straddles two windows."""
    clock = types.SimpleNamespace(now=1_900_000_000.0)
    monkeypatch.setattr("django_ratelimit.core.time", types.SimpleNamespace(time=lambda: clock.now))
    return clock


def test_a_login_no_page_shows_cannot_be_spelled_out(ana, make_person, frozen_clock):
    make_person(HIDDEN_LOGIN, "Pat")

    for end in range(1, len(HIDDEN_LOGIN)):
        assert "Pat" not in listed(search(ana, HIDDEN_LOGIN[:end])), HIDDEN_LOGIN[:end]
    assert listed(search(ana, "hidden")) == []


def test_a_login_typed_in_full_finds_its_person_whatever_the_case(ana, make_person, frozen_clock):
    make_person(HIDDEN_LOGIN, "Pat")

    assert listed(search(ana, HIDDEN_LOGIN.upper())) == ["Pat"]
    assert listed(search(ana, f"  {HIDDEN_LOGIN} ", **HTMX)) == ["Pat"]
    assert listed(search(ana, "pa")) == ["Pat"]  # the display name, by any part


def test_an_answer_lists_at_most_20_people(ana, emulator, frozen_clock):
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"member{number:02d}") for number in range(PEOPLE_PER_PAGE + 5)
    )
    Profile.objects.bulk_create(Profile(user=user, display_name=f"Member {user.username[-2:]}") for user in users)

    everyone = search(ana, "")
    members = search(ana, "member", **HTMX)

    assert len(listed(everyone)) == PEOPLE_PER_PAGE == 20
    assert len(listed(members)) == 20
    assert listed(members)[0] == "Member 00"
    assert "Only the first 20 people are listed: type more of a name." in members.content.decode()
    assert listed(search(ana, "member 24")) == ["Member 24"]  # the rest are found by more of their name


def test_the_31st_search_in_a_minute_is_refused_with_a_message(ana, bruno, frozen_clock):
    for _ in range(30):
        assert listed(search(ana, "bru", **HTMX)) == ["Bruno"]

    refused = search(ana, "bru", **HTMX)
    page = search(ana, "bru")

    assert refused.status_code == 429
    assert listed(refused) == []
    assert REFUSED in refused.content.decode()
    assert page.status_code == 429 and REFUSED in page.content.decode()
    # Only searches count: the form still opens and creates chats; another person searches as usual.
    assert ana.get(reverse("chat:thread_create")).status_code == 200
    assert listed(search(bruno, "an")) == ["Ana"]
    # A minute later the person searches again.
    frozen_clock.now += 60
    assert listed(search(ana, "bru")) == ["Bruno"]


def test_the_refusal_is_translated(ana, bruno, frozen_clock):
    for _ in range(31):
        response = search(ana, "bru", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 429
    assert REFUSED not in response.content.decode()
    assert "búsquedas" in response.content.decode()


def test_a_refused_post_keeps_the_chosen_people_ticked(ana, bruno, make_person, frozen_clock):
    carla = make_person("carla", "Carla")

    response = ana.post(
        reverse("chat:thread_create"),
        {"participants": [bruno.user.pk, carla.user.pk], "idempotency_token": "8f4a0e0c-5d6c-4c1e-9a43-1c2b3d4e5f60"},
    )

    assert response.status_code == 422  # a group needs a topic
    html = response.content.decode()
    assert f'value="{bruno.user.pk}" checked' in html and f'value="{carla.user.pk}" checked' in html
    assert listed(response).count("Bruno") == 1
