// The little the page needs beyond htmx attributes (the CSP allows no inline script and no eval, so the
// polling condition lives here rather than in an hx-trigger filter).
(function () {
  "use strict";
  var POLL_MS = 2000;

  // Enter sends, Shift+Enter (or Enter while composing with an input method) starts a new line.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!field.matches || !field.matches("textarea[data-enter-sends]")) return;
    event.preventDefault();
    if (field.form) field.form.requestSubmit();
  });

  // Poll only while the tab is visible; catch up at once when it becomes visible again.
  function poll() {
    if (document.visibilityState !== "visible" || !window.htmx) return;
    var poller = document.getElementById("poller");
    if (poller) window.htmx.trigger(poller, "chat:poll");
  }
  setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);

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
})();
