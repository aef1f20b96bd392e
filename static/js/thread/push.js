// The thread page on the push stream (../stream.js): a hint that this thread moved makes the page's one poll at
// once, and while the stream is live the beat slows to a safety poll (poll.js).
import * as stream from "../stream.js";
import * as page from "./page.js";
import * as connection from "./poll.js";

// One change can bring two hints at once (a send also ends its sender's "is typing"): one poll for both.
var GATHER_MS = 25;

var inFlight = null;  // the poll's request while it is on its way (hx-sync drops a second poll meanwhile)
var behind = 0;  // hints not yet polled for: the highest marker they named, -1 for "look again", 0 none
var soon = null;

// The change marker the page's messages are current with, from the poller's own URL (live.page.PageState).
function shownMarker() {
  var poller = document.getElementById("poller");
  var match = poller && /[?&]marker=(\d+)/.exec(poller.getAttribute("hx-get") || "");
  return match ? Number(match[1]) : 0;
}

// thread null: the stream could not replay what it missed. Marker 0: something else the page shows moved (who is
// typing, "Seen by", the people): look again. Otherwise only a marker the page does not show yet is worth a poll.
function moved(thread, marker) {
  if (thread !== null && thread !== page.thread()) return;
  if (thread === null || marker === 0 || behind === -1) behind = -1;
  else behind = Math.max(behind, marker);
  if (!soon) soon = setTimeout(ask, GATHER_MS);
}

function ask() {
  soon = null;
  if (inFlight) return;  // asked once it answers
  var wanted = behind;
  behind = 0;
  if (wanted === -1 || wanted > shownMarker()) connection.hinted();
}

export function start() {
  // Known by its request: an answer that brings a new poller replaces the element that asked (as in poll.js).
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "poller") return;
    var xhr = event.detail.xhr;
    inFlight = xhr;
    // Once htmx has handled the answer (its handler runs on "load", before "loadend"): hints that came meanwhile
    // and the answer did not cover make the next poll.
    xhr.addEventListener("loadend", function () {
      if (inFlight !== xhr) return;
      inFlight = null;
      if (behind && !soon) soon = setTimeout(ask, 0);
    });
  });
  var holder = document.getElementById("thread-page");
  stream.connect(holder.dataset.streamUrl, page.ownerMark(), moved, connection.pushed);
}
