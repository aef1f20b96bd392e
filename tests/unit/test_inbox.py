"""The thread list's relative times and one-line previews."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from chatsite.chat.presentation import preview_text
from chatsite.chat.timeline import when_label

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (NOW.replace(hour=10, minute=42), "10:42 a.m."),
        (NOW.replace(hour=0, minute=5), "12:05 a.m."),
        (NOW - timedelta(days=1), "Yesterday"),
        (NOW - timedelta(days=3), "Mon"),
        (NOW - timedelta(days=6), "Fri"),
        (NOW - timedelta(days=7), "02/26/2026"),
        (None, ""),
    ],
)
def test_when_a_row_last_changed(settings, moment, label):
    settings.TIME_ZONE = "UTC"
    with translation.override("en"):
        assert when_label(moment, now=NOW) == label


def test_when_speaks_the_language(settings):
    settings.TIME_ZONE = "UTC"
    with translation.override("es"):
        assert when_label(NOW - timedelta(days=1), now=NOW) == "Ayer"
        assert when_label(NOW - timedelta(days=3), now=NOW) == "lun"
        assert when_label(NOW.replace(hour=0, minute=5), now=NOW) == "00:05"
    with translation.override("pt-br"):
        assert when_label(NOW.replace(hour=16, minute=5), now=NOW) == "16:05"


def test_a_preview_is_one_line_of_plain_text():
    assert preview_text("see you at\n\n  noon", "text") == "see you at noon"
    assert preview_text("<p>Beep &amp; <b>boop</b><script>alert(1)</script></p>", "html") == "Beep & boop"
    assert preview_text("x" * 300, "text") == "x" * 199 + "…"
