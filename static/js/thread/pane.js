// The message pane: the newest message in view, "New messages" while reading older ones, "Load older messages"
// that keeps the message being read in place, "Seen by" under its message, and live updates that never replace
// what the person is using.

var STICK_SLACK = 40;   // px from the bottom that still counts as "at the newest message"

var pane = null;
var stick = true;   // the reader is at the newest message, and stays there as the pane changes
var lastId = "";
var knownTop = 0;   // where the pane was when the page last looked (a scroll it handled, or one it made)
var changed = [];   // called after whatever changed in the pane (the outbox drops rows the poll brought)

function atBottom() {
  return pane.scrollHeight - pane.scrollTop - pane.clientHeight <= STICK_SLACK;
}

// The reader scrolled since the page last looked, and the scroll event is still on its way (it comes with the next
// frame): a change arriving in between must not take them back to the bottom they just left.
function lookAgain() {
  if (Math.abs(pane.scrollTop - knownTop) > 1) stick = atBottom();
}

function scrolled() {
  knownTop = pane.scrollTop;
}

export function scrollToBottom() {
  if (!pane) return;
  pane.scrollTop = pane.scrollHeight;
  scrolled();
  stick = true;
  var button = document.getElementById("new-messages");
  if (button) button.hidden = true;
}

// Scroll so that `element` sits `room` px below the top of the pane (null: the top of the pane); the reader stays
// there as the pane changes, unless that is the bottom.
export function reveal(element, room) {
  if (!pane) return;
  var top = element ? pane.scrollTop + element.getBoundingClientRect().top - pane.getBoundingClientRect().top - room : 0;
  pane.scrollTop = Math.max(0, top);
  scrolled();
  stick = atBottom();
  var button = document.getElementById("new-messages");
  if (button && stick) button.hidden = true;
}

// What to do after the pane changed.
export function whenChanged(callback) {
  changed.push(callback);
}

function newestId() {
  var messages = document.querySelectorAll("#message-list > li.message");
  return messages.length ? messages[messages.length - 1].id : "";
}

// Whatever changed in the pane (a poll, "seen by", a sending row, the composer growing): stay at the bottom if
// the reader was there; otherwise offer the new messages rather than jump.
function paneChanged() {
  if (!pane) return;
  var paging = document.getElementById("paging-area");
  if (anchor && !(paging && paging.contains(anchor.button))) restoreAnchor();
  var newest = newestId();
  var arrived = newest !== lastId;
  lastId = newest;
  lookAgain();
  if (stick) {
    pane.scrollTop = pane.scrollHeight;
    scrolled();
  } else if (arrived) {
    var button = document.getElementById("new-messages");
    if (button) button.hidden = false;
  }
  changed.forEach(function (callback) { callback(); });
}

// "Load older messages": keep the message being read where it was.
var anchor = null;
function restoreAnchor() {
  var kept = anchor;
  anchor = null;
  if (kept.element.isConnected) {
    pane.scrollTop += kept.element.getBoundingClientRect().top - pane.getBoundingClientRect().top - kept.offset;
  }
  scrolled();
  stick = atBottom();
  var more = document.querySelector("#paging-area a");
  (more || pane).focus({preventScroll: true});
}

// The poll sends "seen by" as a hidden paragraph naming the message it is about; show it under that
// message, where it moves as newer messages of one's own arrive.
export function placeSeenBy() {
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

var refocus = null;
var panelHeld = false;  // this answer's panel was left out: its poller must not say the page shows it

// The person is using the panel: adding people, a request of theirs on its way from it (its answer goes into the
// panel as it is), or the keyboard on one of its controls.
function inUse(panel) {
  var active = document.activeElement;
  return Boolean(panel.querySelector("form.add-people, .htmx-request") ||
    (active && panel.contains(active) && active.matches("a, button, input, select, textarea")));
}

// The poller's next poll names the panel's version the page still shows, so the site sends the panel again.
function keepPanelVersion(current, fragment) {
  var fresh = fragment && (fragment.id === "poller" ? fragment : fragment.querySelector && fragment.querySelector("#poller"));
  if (!fresh || !fresh.getAttribute("hx-get")) return;
  var shown = new URL(current.getAttribute("hx-get"), window.location.href).searchParams.get("v");
  var next = new URL(fresh.getAttribute("hx-get"), window.location.href);
  next.searchParams.set("v", shown || "");
  fresh.setAttribute("hx-get", next.pathname + next.search);
}

export function listen() {
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!pane || !event.detail.target || event.detail.target.id !== "paging-area") return;
    var top = pane.getBoundingClientRect().top;
    var items = pane.querySelectorAll("#message-list > li.message");  // day headings may move up
    for (var i = 0; i < items.length; i++) {
      var box = items[i].getBoundingClientRect();
      if (box.bottom > top) {
        anchor = {element: items[i], offset: box.top - top, button: document.querySelector("#paging-area a")};
        break;
      }
    }
  });

  // Live updates never replace what the person is typing.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    // A message being edited stays as it is; Save or Cancel brings its current state.
    if (target.classList.contains("message--editing")) {
      event.preventDefault();
      return;
    }
    // The panel while the person uses it: it comes on a later poll, once they are done (see keepPanelVersion).
    if (target.id === "participants" && inUse(target)) {
      event.preventDefault();
      panelHeld = true;
      return;
    }
    if (target.id === "poller" && panelHeld) {
      panelHeld = false;
      keepPanelVersion(target, event.detail.fragment);
    }
    // The topic while it is edited (the form holds the page's h1 then).
    if (target.closest(".topic--editing")) {
      event.preventDefault();
      return;
    }
    // The whole newest page (a resync): edits in progress move into it as they are.
    if (target.id === "message-list" && event.detail.fragment) {
      var fragment = event.detail.fragment;
      target.querySelectorAll("li.message--editing").forEach(function (editing) {
        var incoming = fragment.querySelector("#" + CSS.escape(editing.id));
        if (incoming) incoming.replaceWith(editing);
      });
    }
    // Whatever is replaced, the keyboard stays where it was (the same control in the new copy).
    var active = document.activeElement;
    if (active && active.id && target.contains(active)) {
      refocus = {id: active.id, start: active.selectionStart, end: active.selectionEnd};
    }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!refocus) return;
    var again = document.getElementById(refocus.id);
    var kept = refocus;
    refocus = null;
    if (!again) return;
    again.focus({preventScroll: true});
    if (typeof kept.start === "number" && again.setSelectionRange) again.setSelectionRange(kept.start, kept.end);
  });
}

export function start() {
  pane = document.getElementById("messages-pane");
  if (!pane) return;
  lastId = newestId();
  scrollToBottom();
  pane.addEventListener("scroll", function () {
    scrolled();
    stick = atBottom();
    if (stick) document.getElementById("new-messages").hidden = true;
  }, {passive: true});
  new MutationObserver(paneChanged).observe(pane, {childList: true, subtree: true, characterData: true});
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      lookAgain();
      if (stick) pane.scrollTop = pane.scrollHeight;
      scrolled();
    }).observe(pane);
  }
  document.getElementById("new-messages").addEventListener("click", function () {
    scrollToBottom();
    var composer = document.getElementById("composer-content");
    if (composer) composer.focus({preventScroll: true});
  });
}
