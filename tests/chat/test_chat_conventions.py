"""What people expect of a chat, as the site answers it (issue 20 item 14): addresses in messages are links that
cannot run script or leak the page, one person's consecutive messages show their name once, one time format per
language on the list and the thread, long messages come clamped with "Show more"."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from chatsite.chat.actors import Actor
from chatsite.chat.presentation import Message
from chatsite.chat.services import messages
from chatsite.chat.timeline import rows


def say(person, thread_id, words):
    return messages.message_send(actor=Actor.person(person.user), thread_id=thread_id, content=words)


def page_of(person, thread_id, **headers):
    return person.get(reverse("chat:thread_detail", args=[thread_id]), **headers).content.decode()


def row(page, message_id):
    return re.search(rf'<li id="m-{message_id}".*?</li>', page, re.S).group(0)


def test_addresses_are_links_and_nothing_else_is(ana, bruno, thread_id):
    sent = say(ana, thread_id, "Menu: https://example.com/menu?day=1&x=2 or mail ana@example.com; javascript:alert(1)")

    shown = row(page_of(bruno, thread_id), sent)

    rel = 'rel="noopener noreferrer nofollow"'
    assert f'<a href="https://example.com/menu?day=1&amp;x=2" {rel}>https://example.com/menu?day=1&amp;x=2</a>' in shown
    assert f'<a href="mailto:ana@example.com" {rel}>ana@example.com</a>' in shown
    assert "javascript:alert(1)" in shown and 'href="javascript' not in shown


def test_one_name_per_run_of_one_persons_messages(ana, bruno, thread_id):
    first = say(bruno, thread_id, "Are you coming?")
    second = say(bruno, thread_id, "We are at the usual place")
    answer = say(ana, thread_id, "On my way")

    page = page_of(ana, thread_id)

    assert "message--continued" not in row(page, first)
    assert "message--continued" in row(page, second)  # the name is there for screen readers only
    assert '<span class="avatar avatar--' in row(page, first)
    assert 'aria-hidden="true">B</span>' in row(page, first)
    assert "message--continued" not in row(page, answer) and "avatar" not in row(page, answer)  # one's own


def test_a_run_ends_after_five_minutes_or_at_someone_else():
    now = timezone.now()

    def said(number, sender, minutes):
        return Message(
            id=str(number),
            sequence_id=number,
            type="text",
            created_on=now + timedelta(minutes=minutes),
            sender_id=sender,
        )

    laid_out = rows(
        [said(1, "b", 0), said(2, "b", 4), said(3, "b", 10), said(4, "a", 10.5), said(5, "b", 11)], viewer_id="a"
    )

    assert [r.continued for r in laid_out] == [False, True, False, False, False]


def test_the_list_and_the_thread_say_the_time_the_same_way(ana, bruno, thread_id):
    say(bruno, thread_id, "Lunch at noon?")
    said = {}
    for language in ("en", "es", "pt-br"):
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        listed = ana.get(reverse("chat:thread_list"), **headers).content.decode()
        when = re.search(r'<time class="when"[^>]*>([^<]+)</time>', listed).group(1)
        thread = page_of(ana, thread_id, **headers)
        times = re.findall(r'<p class="meta">.*?<time[^>]*>([^<]+)</time>', thread, re.S)
        assert times[-1] == when, language
        said[language] = when
    assert re.search(r"(a\.m\.|p\.m\.|noon|midnight)$", said["en"])
    assert re.fullmatch(r"\d{2}:\d{2}", said["pt-br"]) and said["es"] == said["pt-br"]


def test_a_long_message_comes_clamped_with_show_more(ana, bruno, thread_id):
    long = say(bruno, thread_id, "A long story. " * 100)
    short = say(bruno, thread_id, "The end.")

    page = page_of(ana, thread_id)

    assert 'class="body body--long"' in row(page, long)
    assert "<summary>" in row(page, long) and "Show more" in row(page, long)
    assert "Show more" not in row(page, short)
