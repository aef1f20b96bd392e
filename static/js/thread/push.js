// The thread page on the push stream (../stream.js): a hint that this thread moved makes the page's one poll at
// once, and while the stream is live the beat slows to a safety poll (poll.js).
import * as stream from "../stream.js";
import * as page from "./page.js";
import * as connection from "./poll.js";

var inFlight = null;  // the poll's request while it is on its way
var behind = 0;  // a hint came meanwhile (hx-sync drops a second poll): the marker it named, or -1 for "look again"

// The change marker the page's messages are current with, from the poller's own URL (live.page.PageState).
function shownMarker() {
  var poller = document.getElementById("poller");
  var match = poller && /[?&]marker=(\d+)/.exec(poller.getAttribute("hx-get") || "");
  return match ? Number(match[1]) : 0;
}

// A marker 0 moves something else the page shows (who is typing, "Seen by", the people): always look again.
function stale(marker) {
  return marker === 0 || marker > shownMarker();
}

function moved(thread, marker) {
  if (thread !== null && (thread !== page.thread() || !stale(marker))) return;
  if (inFlight) {
    behind = marker === 0 || thread === null || behind === -1 ? -1 : Math.max(behind, marker);
    return;
  }
  connection.hinted();
}

export function start() {
  // Known by its request: an answer that brings a new poller replaces the element that asked (as in poll.js).
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "poller") return;
    var xhr = event.detail.xhr;
    inFlight = xhr;
    // After htmx has handled the answer (its handler runs on "load", before "loadend"): still behind, ask again.
    xhr.addEventListener("loadend", function () {
      if (inFlight !== xhr) return;
      inFlight = null;
      var wanted = behind;
      behind = 0;
      if (wanted === -1 || (wanted > 0 && wanted > shownMarker())) setTimeout(connection.hinted, 0);
    });
  });
  var holder = document.getElementById("thread-page");
  stream.connect(holder.dataset.streamUrl, page.ownerMark(), moved, connection.pushed);
}
