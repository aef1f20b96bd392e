"""services/later.py: bookkeeping a send's answer need not wait for runs once the answer has gone."""

import pytest

from chatsite.chat.services import later
from chatsite.chat.services.later import after_answer

# Its receivers of request_started and request_finished are called as the signals call them: sending the signals
# themselves would also run Django's, which touch the database.

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def no_database(monkeypatch):
    monkeypatch.setattr(later, "_give_back_connections", lambda: None)  # no database here


def test_outside_a_request_the_work_runs_at_once():
    done = []

    after_answer(lambda: done.append("counted"))

    assert done == ["counted"]


def test_inside_a_request_the_work_waits_for_the_answer_to_go():
    done = []
    later._started(sender=None)
    try:
        after_answer(lambda: done.append("counted"))
        assert done == []  # the answer is still being made
    finally:
        later._finished(sender=None)

    assert done == ["counted"]


def test_a_request_handled_inside_another_runs_only_its_own_work():
    done = []
    later._started(sender=None)
    after_answer(lambda: done.append("outer"))
    later._started(sender=None)
    after_answer(lambda: done.append("inner"))
    later._finished(sender=None)
    assert done == ["inner"]
    later._finished(sender=None)

    assert done == ["inner", "outer"]


def test_work_that_fails_after_the_answer_is_logged_and_the_rest_still_runs(caplog):
    done = []
    later._started(sender=None)
    after_answer(lambda: 1 / 0)
    after_answer(lambda: done.append("next"))
    later._finished(sender=None)

    assert done == ["next"]
    assert "bookkeeping failed" in caplog.text
