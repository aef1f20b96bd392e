// The connection: the page's one poll on a beat, "Reconnecting…" with "Retry now" while the site cannot be reached,
// and saying what the person read.
import * as page from "./page.js";
import * as unread from "./unread.js";

// One beat, also while the site cannot be reached: a request that never reaches it costs it nothing, and the page
// is back within a beat of the site. While the browser knows it is offline it waits for its "online" event instead.
var POLL_MS = 2000;
// While the push stream is live (thread/push.js) hints say when to poll; this slow beat is only a safety net.
var SAFETY_MS = 30000;

var pushing = false;
var lastBeat = 0;

var failures = 0;
var timer = null;
var back = [];  // called when the site answers again after failing

function messageId(item) {
  return item ? item.id.replace(/^m-/, "") : "";
}

function visible() {
  return document.visibilityState === "visible" && window.htmx;
}

// "Ana is typing…" ends by time, with no change to push, and a read the site could not take yet (202) is said
// again on the next beat: while either waits, the page keeps its beat.
function slow() {
  var typing = document.getElementById("typing");
  return pushing && failures === 0 && !(typing && typing.textContent.trim()) && !readWaiting();
}

// What the person has seen (unread.js) and the site has not taken yet.
function readWaiting() {
  var newest = unread.readUpTo();
  return Boolean(newest) && newest !== readDone;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(tick, POLL_MS);
}

// The beat: a poll every 2 s, or while the stream is live only a safety poll every 30 s.
function tick() {
  if (slow() && Date.now() - lastBeat < SAFETY_MS) schedule();
  else beat();
}

function beat() {
  schedule();
  if (!visible() || navigator.onLine === false) return;
  lastBeat = Date.now();
  poll();
}

// Whether the site answered the last request; while it does not, the outbox keeps its messages.
export function reachable() {
  return failures === 0;
}

// The push stream is live (hints say when to poll) or not (the beat as before); catchUp: it opened after this
// page started, so what moved before it opened is fetched now.
export function pushed(live, catchUp) {
  pushing = live;
  if (catchUp) beat();
}

// A hint that the thread moved: poll now (a hidden or offline page waits for its return, as the beat does).
export function hinted() {
  beat();
}

// What to do once the site answers again (the outbox sends what waited).
export function whenBack(callback) {
  back.push(callback);
}

// "Reconnecting…", and a button to try at once rather than wait for the beat.
function showReconnecting(banner) {
  var words = document.createElement("span");
  words.textContent = page.text("Reconnecting");
  var retry = document.createElement("button");
  retry.type = "button";
  retry.className = "link";
  retry.dataset.retryNow = "";
  retry.textContent = page.text("RetryNow");
  banner.replaceChildren(words, " ", retry);
}

export function offline() {
  failures += 1;
  var banner = document.getElementById("connection");
  if (banner && !banner.hasChildNodes()) showReconnecting(banner);
  schedule();
}

export function online() {
  var was = failures;
  failures = 0;
  var banner = document.getElementById("connection");
  if (banner && banner.hasChildNodes()) {
    // The button goes with the banner: the keyboard moves on to the composer rather than to the page's body.
    var focused = banner.contains(document.activeElement);
    banner.replaceChildren();
    var field = document.getElementById("composer-content");
    if (focused && field) field.focus({preventScroll: true});
  }
  if (was) {
    schedule();
    back.forEach(function (callback) { callback(); });
  }
}

// The page's one poll (views/messages.thread_poll): new, edited and deleted messages, typing, "seen by", panel
// changes, the end of one's part. Its URL carries what the page shows; 204 when none of it changed.
export function poll() {
  page.forgetOthers();
  var poller = document.getElementById("poller");
  if (poller) window.htmx.trigger(poller, "chat:poll");
}

// What the person read goes by POST (views/presence.thread_read: the unread count, a read receipt), once per
// newest message they have seen (unread.js: scrolled into view, not merely on the page); the poll is a GET and
// changes nothing.
var readDone = "";  // the newest message the site marked read for this page, or refused to
var reading = false;

function markRead() {
  var newest = unread.readUpTo();
  var form = page.composerForm();
  if (!newest || newest === readDone || reading || !form || !window.fetch) return;
  var data = new FormData();
  data.append("message", newest);
  reading = true;
  fetch(page.readUrl(), {
    method: "POST", body: data, credentials: "same-origin",
    headers: {"X-CSRFToken": form.elements.csrfmiddlewaretoken.value},
  }).then(function (response) {
    reading = false;
    // 204: done. 202: the read receipt waits for ACS's budget, so the next beat asks again; so does a busy or
    // unreachable site (429, 5xx). Another refusal (4xx) would not change by asking again.
    var refused = response.status >= 400 && response.status < 500 && response.status !== 429;
    if (response.status === 204 || refused) readDone = newest;
  }, function () {
    reading = false;
  });
}

// Said at once after an answer (thread/push.js): with push there may be no next beat for a while to say it.
export function read() {
  if (visible()) markRead();
}

export function listen() {
  // While the page is in view, their own newest message is the one "Seen by …" is about, and the page says what
  // this person has seen as it polls.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id !== "poller" || !visible()) return;
    var own = document.querySelectorAll("#message-list > li.message--own");
    event.detail.parameters.own = messageId(own[own.length - 1]);
    markRead();
  });

  // The poll's answer is known by its request, not by its element: an answer that brings a new poller replaces
  // the element that asked, and htmx then reports on it detached, without its id.
  var polling = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "poller") polling = event.detail.xhr;
  });
  function ofPoll(event) {
    return Boolean(polling) && event.detail.xhr === polling;
  }
  // No answer, no answer in time, or a gateway saying the site behind it does not answer: unreachable.
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (ofPoll(event)) offline();
    });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!ofPoll(event) || xhr.status === 0) return;
    // 503 with a wait named: the site's Redis or database is unreachable for now (chatsite/outage.py).
    if (xhr.status === 502 || xhr.status === 504 || (xhr.status === 503 && xhr.getResponseHeader("Retry-After"))) {
      offline();
    } else {
      online();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") beat();
  });
  window.addEventListener("online", beat);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-retry-now]")) beat();
  });
}

// The beat starts; the poller polls once by itself as htmx loads it (hx-trigger "load").
export function start() {
  schedule();
}
