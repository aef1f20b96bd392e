"""Two people with one display name are told apart in the pickers, and Add people finds people by a search as a
new chat does (issue 20 item 13)."""

import re

from django.urls import reverse

from chatsite.chat.selectors.accounts import person_tag

from .conftest import HTMX


def labels(html) -> list[str]:
    """Each picker checkbox's label as a person reads it, with whether it is ticked."""
    found = re.findall(
        r'<label class="check"[^>]*><input type="checkbox" name="\w+" value="\d+"( checked)?>(.*?)</label>', html, re.S
    )
    return [
        ("☑ " if ticked else "") + re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", label)).strip() for ticked, label in found
    ]


def test_two_people_with_one_name_are_told_apart_in_the_new_chat_picker(ana, make_person):
    first, second = make_person("sam1", "Sam Lee"), make_person("sam2", "Sam Lee")
    make_person("samuel", "Samuel")

    listed = labels(ana.get(reverse("chat:thread_create"), {"q": "Sam"}).content.decode())

    tags = person_tag(first.user.pk), person_tag(second.user.pk)
    assert tags[0] != tags[1]
    assert sorted(listed) == sorted([f"Sam Lee {tags[0]}", f"Sam Lee {tags[1]}", "Samuel"])
    assert "sam1" not in str(listed) and "sam2" not in str(listed)  # never the login


def test_add_people_searches_and_keeps_who_is_ticked(ana, bruno, thread_id, make_person):
    first, second = make_person("sam1", "Sam Lee"), make_person("sam2", "Sam Lee")
    make_person("carla", "Carla")
    add = reverse("chat:participants_add", args=[thread_id])

    opened = ana.get(add, **HTMX, HTTP_HX_TARGET="add-people").content.decode()
    assert 'type="search"' in opened and "Search people" in opened

    found = ana.get(add, {"q": "sam"}, **HTMX, HTTP_HX_TARGET="add-found")
    assert found.status_code == 200
    assert sorted(labels(found.content.decode())) == sorted(
        [f"Sam Lee {person_tag(first.user.pk)}", f"Sam Lee {person_tag(second.user.pk)}"]
    )
    # Ticked before the next search: still there, ticked; someone in the chat already is never offered.
    again = ana.get(add, {"q": "carla", "people": [first.user.pk, bruno.user.pk]}, **HTMX, HTTP_HX_TARGET="add-found")
    assert labels(again.content.decode()) == [f"☑ Sam Lee {person_tag(first.user.pk)}", "Carla"]
    assert "Bruno" not in labels(ana.get(add, {"q": "bru"}, **HTMX, HTTP_HX_TARGET="add-found").content.decode())


def test_add_people_search_works_without_script(ana, thread_id, make_person):
    make_person("carla", "Carla")
    make_person("dora", "Dora")

    page = ana.get(reverse("chat:participants_add", args=[thread_id]), {"q": "dor"}).content.decode()

    assert labels(page) == ["Dora"]
    assert re.search(r'<form method="get" action="[^"]+/participants/add/" role="search"', page)


def test_a_refused_add_keeps_who_was_chosen(ana, thread_id, make_person):
    carla = make_person("carla", "Carla")

    refused = ana.post(
        reverse("chat:participants_add", args=[thread_id]), {"people": [carla.user.pk], "history": "date"}, **HTMX
    )

    assert refused.status_code == 422
    assert "☑ Carla" in labels(refused.content.decode())
