// Unread messages, as a chat app treats them: the page opens at the "New messages" divider when the unread fit in
// what is loaded; when they do not, a bar says how many are new ("60 new messages") with a jump that loads older
// pages (the "Load older messages" link, as a person would) until the first unread is on the page, puts the divider
// above it and scrolls it into view. What the person has seen is the newest message whose end has been inside the
// pane while the tab was in view: poll.js says that much read, never the newest message on the page. While the
// first unread is not loaded nothing is seen: reading message 31 of 60 must not mark 1 to 30 read.
import * as page from "./page.js";
import * as pane from "./pane.js";
import * as grouping from "./grouping.js";

// One jump loads at most this many older pages (30 messages each, one ACS read each: ACS lists 200 pages a minute
// per person and thread); a second press goes on from there.
var MAX_PAGES = 20;
var ROOM = 8;  // px above the divider when it is scrolled into view

var paneElement = null;
var bar = null;
var firstUnread = 0;  // the first unread message's id while it is not loaded (the bar shows)
var seen = 0;  // the newest message the person has seen on this page
var jumping = false;
var notYet = null;  // a divider the person has not had in view yet: until then, nothing below it counts as seen

function idOf(item) {
  return Number(item.id.replace(/^m-/, "")) || 0;
}

function messages() {
  return document.querySelectorAll("#message-list > li.message");
}

function olderLink() {
  return document.querySelector("#paging-area a");
}

// The newest message the person has seen, as poll.js says it to the site ("" before any).
export function readUpTo() {
  return seen ? String(seen) : "";
}

// The newest message whose end is inside the pane or above it, while the tab is in view.
function look() {
  if (firstUnread || !paneElement || document.visibilityState !== "visible") return;
  var box = paneElement.getBoundingClientRect();
  if (notYet) {
    var at = notYet.getBoundingClientRect();
    if (notYet.isConnected && (at.bottom < box.top || at.top > box.bottom)) return;
    notYet = null;
  }
  var bottom = box.bottom + 2;
  var items = messages();
  for (var i = items.length - 1; i >= 0; i--) {
    if (items[i].getBoundingClientRect().bottom <= bottom) {
      seen = Math.max(seen, idOf(items[i]));
      return;
    }
  }
}

// The loaded message the divider goes above: the first from someone else at or after the first unread, once
// nothing older than it can still be missing (an older message is loaded, or there are no older pages).
function firstUnreadLoaded() {
  var items = messages();
  var older = false;
  for (var i = 0; i < items.length; i++) {
    var id = idOf(items[i]);
    if (id < firstUnread) {
      older = true;
      continue;
    }
    if (items[i].matches(".message--system, .message--own")) continue;
    return older || id === firstUnread || !olderLink() ? items[i] : null;
  }
  return null;
}

function dividerAbove(item) {
  var divider = document.createElement("li");
  divider.className = "unread-divider";
  divider.id = "first-unread";
  var heading = document.createElement("h2");
  heading.tabIndex = -1;  // focus lands here after the jump: a screen reader reads "New messages"
  heading.textContent = page.text("NewMessages");
  divider.append(heading);
  item.before(divider);
  grouping.regroup();  // the message under the divider shows its sender's name again
  return divider;
}

// The first unread is on the page (`item`; none: it is on no page any more, deleted since): the bar goes, the
// divider is above it and in view, reading counts from here, and after a jump the keyboard is at the divider.
function arrived(item, {focus}) {
  firstUnread = 0;
  if (bar) bar.remove();
  bar = null;
  var divider = document.getElementById("first-unread") || (item && dividerAbove(item));
  if (divider) {
    pane.reveal(divider, ROOM);
    var heading = divider.querySelector("h2");
    if (focus && heading) {
      heading.tabIndex = -1;
      heading.focus({preventScroll: true});
    }
  }
  look();
}

async function jump() {
  if (jumping) return;
  jumping = true;
  var button = document.getElementById("jump-unread");
  button.disabled = true;
  bar.setAttribute("aria-busy", "true");
  try {
    for (var pages = 0; !firstUnreadLoaded() && pages < MAX_PAGES; pages++) {
      var more = olderLink();
      if (!more) break;
      await window.htmx.ajax("GET", more.getAttribute("hx-get"), {source: more, target: "#paging-area", swap: "outerHTML"});
      if (olderLink() === more) break;  // not answered (the site is away): the person can press again
    }
  } finally {
    jumping = false;
  }
  var item = firstUnreadLoaded();
  if (item || !olderLink()) {
    arrived(item, {focus: true});
  } else {
    // Not there yet (more than MAX_PAGES away, or the site did not answer): as far as it came, and the bar stays.
    button.disabled = false;
    bar.removeAttribute("aria-busy");
    button.focus({preventScroll: true});
    pane.reveal(null, 0);
  }
}

// Whatever `change` adds or takes away above it, the message at the top of the pane stays where it is on screen.
function keepingPlace(change) {
  var top = paneElement.getBoundingClientRect().top;
  var items = messages();
  var kept = null;
  for (var i = 0; i < items.length && !kept; i++) {
    var box = items[i].getBoundingClientRect();
    if (box.bottom > top) kept = {element: items[i], at: box.top};
  }
  change();
  if (kept && kept.element.isConnected) paneElement.scrollTop += kept.element.getBoundingClientRect().top - kept.at;
}

// The pane changed: older pages the person loaded themselves may have brought the first unread (the divider goes
// above it where it is, without moving what they read; what they read counts once they have scrolled up to it), and
// new messages may have scrolled into view.
function changed() {
  if (firstUnread && !jumping) {
    var item = firstUnreadLoaded();
    if (item) {
      keepingPlace(function () {
        notYet = dividerAbove(item);
        firstUnread = 0;
        if (bar) bar.remove();
        bar = null;
      });
    }
  }
  look();
}

export function start() {
  paneElement = document.getElementById("messages-pane");
  if (!paneElement) return;
  bar = document.getElementById("unread-bar");
  firstUnread = bar ? Number(bar.dataset.firstUnread) || 0 : 0;
  if (firstUnread) {
    // The oldest loaded messages, nearest the first unread; the bar offers the rest.
    pane.reveal(null, 0);
    document.getElementById("jump-unread").addEventListener("click", jump);
  } else {
    bar = null;
    var divider = document.getElementById("first-unread");
    if (divider) pane.reveal(divider, ROOM);
  }
  look();
  paneElement.addEventListener("scroll", look, {passive: true});
  pane.whenChanged(changed);
  document.addEventListener("visibilitychange", look);
}
