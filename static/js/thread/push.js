// The thread page on the push stream (../stream.js): a change that follows what the page shows is swapped in as
// a poll's answer would be, with no request; a hint (or a change the page cannot apply) makes the page's one poll
// at once; while the stream is live the beat slows to a safety poll (poll.js).
import * as stream from "../stream.js";
import * as page from "./page.js";
import * as connection from "./poll.js";

// One change can bring two hints at once (a send also ends its sender's "is typing"): one poll for both.
var GATHER_MS = 25;
// A poll can answer "nothing new" for a moment after a hint (another viewer's poll is reading ACS for everyone):
// while the page is still behind the hint's marker it asks again after this, doubling up to the old 2 s beat, for
// about as long as such a read may take on a loaded site; then the safety poll is left.
var AGAIN_MS = 300;
var AGAIN_MAX_MS = 2000;
var AGAIN_TIMES = 8;

// "Look again" hints (marker 0: typing, "Seen by", the people) make at most one poll per old beat: in a busy
// thread every reader's receipt is one, and each page need not look once per reader.
var LOOK_MS = 2000;

var inFlight = null;  // the poll's request while it is on its way (hx-sync drops a second poll meanwhile)
var target = 0;  // the highest marker hints named that the page does not show yet
var look = false;  // a hint said "look again" (marker 0) and no poll has started since
var lastLook = 0;
var tries = 0;
var later = stream.scheduler(ask);  // later(ms): ask at most `ms` from now

// What the page's messages are current with, from the poller's own URL (live.page.PageState): the change
// marker, the newest message's sequence number and that message's day.
function pollerUrl() {
  var poller = document.getElementById("poller");
  return poller ? new URL(poller.getAttribute("hx-get") || "", window.location.href) : null;
}

function shownMarker() {
  var url = pollerUrl();
  return url ? Number(url.searchParams.get("marker")) || 0 : 0;
}

// A change laid out for a page that shows exactly what this one does (marker, newest message and its day) is
// swapped in as the poll's answer would be (its out-of-band rows, the announcement), and the poller moves on to
// the change's marker, newest message and day; the rest of what the poller carries (the panel's, typing's and
// "Seen by"'s versions) stays, for the polls that bring those. Any other page (behind by more, ahead, a poll on
// its way that may bring the same rows) leaves it to the poll.
function apply(change) {
  var url = pollerUrl();
  if (!url || inFlight || !window.htmx) return false;
  var params = url.searchParams;
  if (Number(params.get("marker")) !== change.prev || Number(params.get("seq")) !== change.base
      || (params.get("day") || "") !== change.base_day) return false;
  params.set("marker", change.marker);
  params.set("seq", change.seq);
  params.set("day", change.day);
  // A new poller, as a poll's answer brings one (htmx reads an element's URL once, as it takes it in).
  var poller = document.getElementById("poller").cloneNode(false);
  poller.setAttribute("hx-get", url.pathname + url.search);
  poller.setAttribute("hx-trigger", poller.getAttribute("hx-trigger").split(",").map(function (spec) {
    return spec.trim();
  }).filter(function (spec) {
    return spec !== "load";  // the page's first poller polls as it loads; its successors do not
  }).join(", "));
  poller.setAttribute("hx-swap-oob", "outerHTML");
  window.htmx.swap(document.body, change.html + poller.outerHTML, {swapStyle: "none"});
  connection.read();  // what it brought is what the person now sees
  return true;
}

// thread null: the stream could not replay what it missed. Marker 0: something else the page shows moved (who is
// typing, "Seen by", the people): look again. A change the page can apply needs no poll. Otherwise only a marker
// the page does not show yet is worth a poll.
function moved(thread, marker, change) {
  if (thread !== null && thread !== page.thread()) return;
  if (change && apply(change)) return;
  if (thread === null || marker === 0) {
    look = true;
    later(Math.max(GATHER_MS, lastLook + LOOK_MS - Date.now()));
    return;
  }
  if (marker <= shownMarker()) return;
  target = Math.max(target, marker);
  tries = 0;
  later(GATHER_MS);
}

function ask() {
  if (inFlight) return;  // asked again once it answers
  var behind = target > shownMarker();
  if (!behind && look && Date.now() - lastLook < LOOK_MS) {
    later(lastLook + LOOK_MS - Date.now());
  } else if (behind || look) {
    look = false;
    lastLook = Date.now();  // this poll looks again too
    connection.hinted();
  } else {
    target = 0;
  }
}

// Once a poll has answered: what hints asked for and it did not bring is asked for again.
function answered() {
  if (look) {
    later(Math.max(0, lastLook + LOOK_MS - Date.now()));
  } else if (target > shownMarker() && tries < AGAIN_TIMES) {
    later(Math.min(AGAIN_MS * Math.pow(2, tries), AGAIN_MAX_MS));
    tries += 1;
  } else {
    target = 0;  // shown, or left to the next poll
  }
}

export function start() {
  // Known by its request: an answer that brings a new poller replaces the element that asked (as in poll.js).
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "poller") return;
    var xhr = event.detail.xhr;
    inFlight = xhr;
    // "loadend" comes after htmx has handled the answer (its handler runs on "load"): the new marker is in place.
    xhr.addEventListener("loadend", function () {
      if (inFlight !== xhr) return;
      inFlight = null;
      connection.read();  // what it brought is what the person now sees
      answered();
    });
  });
  var holder = document.getElementById("thread-page");
  stream.connect(holder.dataset.streamUrl, page.ownerMark(), moved, connection.pushed);
}
