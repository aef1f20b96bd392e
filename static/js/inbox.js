// The thread list's behaviour beyond htmx attributes (the CSP allows no inline script and no eval): the list's
// poll (every few seconds while the tab is visible; slower while hidden, only for desktop notifications the person
// turned on), the unread count in the tab title, desktop notifications, the people picker's chosen list, and
// dropping what another account's thread pages left in this tab. An ES module, for what it shares with the thread
// page (storage.js).
import * as storage from "./storage.js";
import * as stream from "./stream.js";

var POLL_MS = 3000;
var HIDDEN_POLL_MS = 15000;
var SAFETY_MS = 30000;  // while the push stream is live: hints say when to poll, this is only a safety net
var pushing = false;
var again = false;  // a hint came that no poll has answered yet
var TITLE = document.title.replace(/^\(\d+\) /, "");
var lastPoll = Date.now();  // the list as the page brought it is current
var known = null;  // thread id -> unread count, as last shown

function notifying() {
  return "Notification" in window && Notification.permission === "granted";
}

function poll() {
  forgetOthers();  // again on each beat: see thread/page.js forgetOthers
  var poller = document.getElementById("inbox-poller");
  if (!poller || !window.htmx) return;
  var hidden = document.visibilityState !== "visible";
  if (hidden && (!notifying() || Date.now() - lastPoll < HIDDEN_POLL_MS)) return;
  lastPoll = Date.now();
  again = false;
  window.htmx.trigger(poller, "inbox:poll");
}

function rows() {
  var found = {};
  document.querySelectorAll("#inbox li[data-thread]").forEach(function (row) {
    found[row.dataset.thread] = row;
  });
  return found;
}

// "(3) Your chats · Chatsite": the total unread count in front of the page's own title.
function showCount() {
  var inbox = document.getElementById("inbox");
  if (!inbox) return;
  var total = parseInt(inbox.dataset.unread || "0", 10);
  document.title = total > 0 ? "(" + total + ") " + TITLE : TITLE;
}

// A desktop notification for each chat with more unread messages than last time (none is open on this page).
function notify() {
  var current = rows();
  if (known !== null && notifying()) {
    Object.keys(current).forEach(function (id) {
      var row = current[id];
      if (parseInt(row.dataset.unread, 10) > (known[id] || 0)) {
        var link = row.querySelector("a");
        var note = new Notification(row.dataset.name, { body: row.dataset.preview, tag: id });
        note.onclick = function () {
          window.focus();
          if (link) window.location.href = link.href;
        };
      }
    });
  }
  known = {};
  Object.keys(current).forEach(function (id) {
    known[id] = parseInt(current[id].dataset.unread, 10);
  });
}

function refreshed() {
  showCount();
  notify();
}

// Desktop notifications are offered on a desktop only: not on a touch screen or in a narrow window (a phone's
// browser notifies while it is open at best, and the offer would crowd the list).
function onDesktop() {
  return !window.matchMedia("(pointer: coarse), (max-width: 40rem)").matches;
}

function offerNotifications() {
  var button = document.getElementById("notify-button");
  if (!button || !onDesktop() || !("Notification" in window) || Notification.permission !== "default") return;
  button.hidden = false;
  button.addEventListener("click", function () {
    Notification.requestPermission().then(function () {
      button.hidden = true;
    });
  });
}

// The people picker: htmx asks the site as one types (at most 20 people an answer, templates/chat/
// thread_create.html). Whoever is ticked moves to the chosen list above the answers, so the next search keeps
// them; an answer leaves out whoever is chosen already.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("[data-people-found] input[type=checkbox]") || !box.checked) return;
  var chosen = box.form && box.form.querySelector("[data-people-chosen]");
  if (!chosen) return;
  chosen.appendChild(box.closest("label"));
  box.focus();
});
document.addEventListener("htmx:load", function (event) {
  var found = event.target;
  if (!found.matches || !found.matches("[data-people-found]")) return;
  var chosen = found.closest("form").querySelector("[data-people-chosen]");
  chosen.querySelectorAll("input:checked").forEach(function (box) {
    found.querySelectorAll("input").forEach(function (twin) {
      if (twin.value === box.value) twin.closest("label").remove();
    });
  });
});

// Thread pages keep drafts and unsent messages in the tab under their person (static/js/thread/): whatever
// another account left here goes (logging out asks the browser to clear it; this covers browsers that do not).
function forgetOthers() {
  var head = document.querySelector("[data-owner]");
  storage.forgetOthers(head && head.dataset.owner);
}

// The swapped-in list is new content (htmx:load); comparing with the last counts makes a repeat harmless.
document.addEventListener("htmx:load", function (event) {
  if (event.target && event.target.id === "inbox") refreshed();
});
document.addEventListener("DOMContentLoaded", function () {
  forgetOthers();
  listen();
  refreshed();
  offerNotifications();
});
document.addEventListener("visibilitychange", poll);
// A hint not polled for yet (the tab was hidden) is polled for on the next beat it may poll.
setInterval(function () {
  if (!pushing || again || Date.now() - lastPoll >= SAFETY_MS) poll();
}, POLL_MS);

// The push stream (stream.js): any hint may change the list (a new message, someone read, a new chat), so the list
// polls at once, once for hints that come together; a hint that comes while a poll is on its way (hx-sync drops a
// second one) asks again after it.
var GATHER_MS = 25;
// A thread's messages moved, yet the list answered "nothing new": the list's own bookkeeping (each person's rows
// and unread counts) may land a moment after the hint, so it asks again after this, doubling, a few times.
var AGAIN_MS = 250;
var AGAIN_TIMES = 4;
var inFlight = null;
var expecting = false;  // a hint said a thread's messages moved: the list should change
var tries = 0;
var later = stream.scheduler(ask);  // later(ms): ask at most `ms` from now

// A thread's messages moved (marker; a change the stream brought is one too, the list lays out its own): poll at
// once. Anything else ("look again": typing, receipts, the people)
// polls at most once per beat: in a busy thread every reader's receipt is one.
function hinted(thread, marker) {
  again = true;
  if (marker) {
    expecting = true;
    tries = 0;
    later(GATHER_MS);
  } else {
    later(Math.max(GATHER_MS, lastPoll + POLL_MS - Date.now()));
  }
}

function ask() {
  if (!inFlight && again) poll();
}

document.addEventListener("htmx:beforeRequest", function (event) {
  if (!event.detail.elt || event.detail.elt.id !== "inbox-poller") return;
  var xhr = event.detail.xhr;
  inFlight = xhr;
  xhr.addEventListener("loadend", function () {  // after htmx swapped the answer in (its handler runs on "load")
    if (inFlight !== xhr) return;
    inFlight = null;
    if (again) {
      later(0);
    } else if (expecting && xhr.status === 204 && tries < AGAIN_TIMES) {
      again = true;
      later(AGAIN_MS * Math.pow(2, tries));
      tries += 1;
    } else {
      expecting = false;
    }
  });
});

function listen() {
  var head = document.querySelector("[data-owner]");
  if (!head || !document.getElementById("inbox-poller")) return;
  stream.connect(head.dataset.streamUrl, head.dataset.owner, hinted, function (live, catchUp) {
    pushing = live;
    if (catchUp) poll();
  });
}
