"""The polls' parameters (live.page): what the site writes into a poller's URL is what the next poll parses back,
under the names and in the form pages have always sent."""

from datetime import date

import pytest
from django.core.exceptions import BadRequest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from chatsite.chat.forms import NUMBER_MAX
from chatsite.chat.live.page import ListState, PageState

pytestmark = pytest.mark.unit

NUMBER = st.integers(min_value=0, max_value=NUMBER_MAX)
VERSION = st.one_of(st.just(""), NUMBER.map(str))
MESSAGE_ID = st.one_of(st.just(""), NUMBER.map(str))
RECEIPTS = st.one_of(st.just(""), st.just("-"), st.tuples(NUMBER, NUMBER).map(lambda pair: f"{pair[0]}.{pair[1]}"))


def test_the_pollers_query_keeps_the_names_and_order_pages_send():
    state = PageState(
        marker=1_760_000_000_123, seq=9, day=date(2026, 3, 3), roster="17", receipts="4.1760000000456", typing="",
        seen_for="1760000000001",
    )  # fmt: skip

    assert state.query == "marker=1760000000123&seq=9&day=2026-03-03&v=17&r=4.1760000000456&t=&o=1760000000001"
    assert PageState(marker=5).query == "marker=5&seq=0&day=&v=&r=&t=&o="
    assert ListState(version="42").query == "v=42"
    assert ListState().query == "v="


@given(
    marker=NUMBER, seq=NUMBER, day=st.one_of(st.none(), st.dates(date(1970, 1, 1), date.today())),
    roster=VERSION, receipts=RECEIPTS, typing=VERSION, seen_for=MESSAGE_ID,
)  # fmt: skip
def test_what_the_site_writes_the_next_poll_parses_back(marker, seq, day, roster, receipts, typing, seen_for):
    state = PageState(marker, seq, day, roster, receipts, typing, seen_for)

    assert PageState.parse(QueryDict(state.query)) == state


def test_the_pages_own_newest_message_is_read_but_never_written():
    """static/js/thread.js adds `own` as it polls; the site never writes it into the poller."""
    parsed = PageState.parse(QueryDict("marker=5&own=1760000000001"))

    assert parsed.own == "1760000000001"
    assert "own" not in parsed.query
    assert PageState.parse(QueryDict("marker=5&own=")).own is None


@pytest.mark.parametrize("query", ["", "marker=", "marker=-1", "marker=5&v=x", "marker=5&r=1.", "marker=5&o=abc"])
def test_a_query_no_page_sends_is_a_bad_request(query):
    with pytest.raises(BadRequest):
        PageState.parse(QueryDict(query))


def test_the_lists_marker_parses_back():
    assert ListState.parse(QueryDict(ListState(version="42").query)) == ListState(version="42")
    assert ListState.parse(QueryDict("")) == ListState(version="")
    with pytest.raises(BadRequest):
        ListState.parse(QueryDict("v=-1"))
