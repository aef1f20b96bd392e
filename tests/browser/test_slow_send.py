"""The page's outbox and a slow ACS: a message ACS stored but confirmed too late stays "Sending…", never "Not sent",
and goes out once (static/js/thread.js as it is, against the site's answer that the outcome is not known yet)."""

import re

from chatsite.acs import clients

from .test_thread_page import LIVE, ana_texts, chat, composer, message, open_thread, person, wait_until

SEND = re.compile(r"/threads/[^/]+/messages/$")
# Every state the page's "Sending…" rows show, as they change.
WATCH_STATES = """() => {
  window.rowStates = [];
  new MutationObserver(() => {
    document.querySelectorAll("#outbox .state").forEach((s) => window.rowStates.push(s.textContent));
  }).observe(document.getElementById("outbox"), {subtree: true, childList: true, characterData: true});
}"""


def test_a_send_acs_confirms_late_stays_sending_and_is_sent_once(
    browser, live_server, emulator, settings, monkeypatch
):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Trip", [bruno], (bruno, "Which train?"))
    page = open_thread(browser, live_server, "ana", thread, "desktop")
    page.evaluate(WATCH_STATES)
    answers = []
    page.on("response", lambda response: SEND.search(response.url) and answers.append(response.status))
    settings.ACS_TIMEOUT = 1
    monkeypatch.setattr(clients, "LOOKUP_TIMEOUT", 1)
    settings.ACS_EMULATOR_DELAY = 1.5  # ACS stores the message, then answers after the send and lookup gave up

    composer(page).fill("The 9:15")
    composer(page).press("Enter")
    wait_until(page, lambda: answers)
    settings.ACS_EMULATOR_DELAY = 0  # ACS answers in time again: the outbox's next try finds the message

    message(page, "The 9:15").locator("xpath=self::li[starts-with(@id, 'm-')]").wait_for(timeout=LIVE)
    wait_until(page, lambda: page.locator("#outbox li").count() == 0)
    assert answers[0] == 429 and answers[-1] == 200 and set(answers[1:-1]) <= {429}, answers
    states = page.evaluate("window.rowStates")
    assert "Sending…" in states and "Not sent" not in states, states
    assert len(ana_texts(thread, ana, "The 9:15")) == 1
