"""services/later.py: bookkeeping a send's answer need not wait for runs once the answer has gone."""

import pytest
from django.core.signals import request_finished, request_started

from chatsite.chat.services.later import after_answer

pytestmark = pytest.mark.unit


def test_outside_a_request_the_work_runs_at_once():
    done = []

    after_answer(lambda: done.append("counted"))

    assert done == ["counted"]


def test_inside_a_request_the_work_waits_for_the_answer_to_go():
    done = []
    request_started.send(sender=None)
    try:
        after_answer(lambda: done.append("counted"))
        assert done == []  # the answer is still being made
    finally:
        request_finished.send(sender=None)

    assert done == ["counted"]


def test_a_request_handled_inside_another_runs_only_its_own_work():
    done = []
    request_started.send(sender=None)
    after_answer(lambda: done.append("outer"))
    request_started.send(sender=None)
    after_answer(lambda: done.append("inner"))
    request_finished.send(sender=None)
    assert done == ["inner"]
    request_finished.send(sender=None)

    assert done == ["inner", "outer"]


def test_work_that_fails_after_the_answer_is_logged_and_the_rest_still_runs(caplog):
    done = []
    request_started.send(sender=None)
    after_answer(lambda: 1 / 0)
    after_answer(lambda: done.append("next"))
    request_finished.send(sender=None)

    assert done == ["next"]
    assert "bookkeeping failed" in caplog.text
