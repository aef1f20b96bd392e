// The thread page's behaviour beyond htmx attributes (the CSP allows no inline script and no eval, so the polling
// conditions live here rather than in hx-trigger filters): one 2 s beat drives both polls while the tab is
// visible, typing reports, Enter-sends, keeping the newest message in view and placing "Seen by …".
(function () {
  "use strict";
  var POLL_MS = 2000;
  var TYPING_MS = 2000;  // the server keeps ACS within budget whatever the page sends; this spares requests

  function visible() {
    return document.visibilityState === "visible" && window.htmx;
  }

  function messageId(item) {
    return item ? item.id.replace(/^m-/, "") : "";
  }

  // New, edited and deleted messages (views.thread_poll).
  function pollMessages() {
    var poller = document.getElementById("poller");
    if (poller) window.htmx.trigger(poller, "chat:poll");
  }

  // Typing, "seen by", panel changes, the end of one's part (views_manage.thread_status). The newest message
  // shown is what this person has seen; their own newest is the one "Seen by …" is about.
  function pollStatus() {
    var status = document.getElementById("status");
    if (!status || !visible()) return;
    var messages = document.querySelectorAll("#message-list > li.message");
    var own = document.querySelectorAll("#message-list > li.message--own");
    status.elements.newest.value = messageId(messages[messages.length - 1]);
    status.elements.own.value = messageId(own[own.length - 1]);
    window.htmx.trigger(status, "chat:status");
  }

  // Poll only while the tab is visible; catch up at once when it becomes visible again.
  function beat() {
    if (!visible()) return;
    pollMessages();
    pollStatus();
  }
  setInterval(beat, POLL_MS);
  document.addEventListener("visibilitychange", beat);
  document.addEventListener("DOMContentLoaded", pollStatus);

  // Enter sends, Shift+Enter (or Enter while composing with an input method) starts a new line.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!field.matches || !field.matches("textarea[data-enter-sends]")) return;
    event.preventDefault();
    if (field.form) field.form.requestSubmit();
  });

  var lastTyping = 0;
  document.addEventListener("input", function (event) {
    if (event.target.id !== "composer-content" || !window.htmx) return;
    var reporter = document.getElementById("typing-reporter");
    if (!reporter || Date.now() - lastTyping < TYPING_MS) return;
    lastTyping = Date.now();
    window.htmx.trigger(reporter, "chat:typing");
  });

  // Keep the newest message in view when it arrives and the reader was already at the bottom.
  var nearBottom = true;
  document.addEventListener("htmx:oobBeforeSwap", function () {
    var slack = 120;
    nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - slack;
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (nearBottom && event.detail.target && event.detail.target.id === "message-list") {
      var list = event.detail.target;
      if (list.lastElementChild) list.lastElementChild.scrollIntoView({block: "end"});
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("message-list");
    if (list && list.lastElementChild) list.lastElementChild.scrollIntoView({block: "end"});
  });

  // The status poll sends "seen by" as a hidden paragraph naming the message it is about; show it under that
  // message, where it moves as newer messages of one's own arrive.
  function placeSeenBy() {
    var source = document.getElementById("seen-by-source");
    var shown = document.getElementById("seen-by");
    var after = source && source.textContent && document.getElementById(source.dataset.after);
    if (!after) {
      if (shown) shown.remove();
      return;
    }
    if (!shown) {
      shown = document.createElement("li");
      shown.id = "seen-by";
      shown.className = "seen-by";
    }
    shown.textContent = source.textContent;
    if (after.nextElementSibling !== shown) after.after(shown);
  }
  document.addEventListener("htmx:afterSettle", placeSeenBy);
})();
