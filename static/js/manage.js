// Conversation status on the thread page: typing reports, the status poll (typing, "seen by", panel
// changes, the end of one's part) and placing "Seen by …" under one's own latest message.
(function () {
  "use strict";
  var STATUS_MS = 2000;
  var TYPING_MS = 2000;  // the server keeps ACS within budget whatever the page sends; this spares requests

  function messageId(item) {
    return item ? item.id.replace(/^m-/, "") : "";
  }

  function pollStatus() {
    var status = document.getElementById("status");
    if (!status || document.visibilityState !== "visible" || !window.htmx) return;
    var messages = document.querySelectorAll("#message-list > li.message");
    var own = document.querySelectorAll("#message-list > li.message--own");
    status.elements.newest.value = messageId(messages[messages.length - 1]);
    status.elements.own.value = messageId(own[own.length - 1]);
    window.htmx.trigger(status, "chat:status");
  }
  setInterval(pollStatus, STATUS_MS);
  document.addEventListener("visibilitychange", pollStatus);
  document.addEventListener("DOMContentLoaded", pollStatus);

  var lastTyping = 0;
  document.addEventListener("input", function (event) {
    if (event.target.id !== "composer-content" || !window.htmx) return;
    var reporter = document.getElementById("typing-reporter");
    if (!reporter || Date.now() - lastTyping < TYPING_MS) return;
    lastTyping = Date.now();
    window.htmx.trigger(reporter, "chat:typing");
  });

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
