// Push (issue 22): the site's server-sent events stream (/live/stream/, chatsite/chat/push/stream.py) tells a
// person's pages that a thread they are in moved ("moved" {thread, marker}), or brings the change itself ("change"
// {thread, prev, marker, base, base_day, seq, day, html}: what the poll of a page at marker `prev` would show); a
// thread page one step behind applies a change without a request, any other page makes its one poll.
//
// One stream per browser and person, shared by all their tabs: a browser keeps at most 6 HTTP/1.1 connections to
// a site, so a stream per tab would leave a seventh tab unable to send. A Web Lock elects the tab that holds the
// stream; it relays every hint to the others over a BroadcastChannel; when that tab closes, the lock passes to
// another tab, which opens the stream again. Lock and channel are named after the page's person (the opaque
// owner mark, forms.owner_mark), so on a shared browser one person's hints never reach another person's tabs, and
// the stream is asked for with the same mark: the site refuses it (409) to a session of anyone else.
//
// Each page is told whether the stream is live. While it is, the page polls on hints (plus a rare safety poll);
// while it is not (WSGI answers 204, too many streams 429, a drop it cannot resume from), the page polls on its
// beat as before. When a new stream opens after the page started, the page polls once: what moved before the
// stream opened is fetched by the marker the page carries, so nothing is lost in either switch. The stream's first
// event ("ready") gives it an id, where it starts; a stream that drops after it is no new stream, even a quiet one
// that brought nothing else: EventSource reconnects by itself with the last id it saw, and the site sends again
// what moved meanwhile (each thread's last change, which a page one step behind applies): the pages stay on push
// while it does, and make no poll to catch up when it is back.

var HIDDEN_MS = 5 * 60 * 1000;  // a tab hidden this long lets the stream go (another, visible tab may take it)
// The site said no (204 under WSGI, 429, 403, 409): ask again rarely, doubling. A dropped stream is not this:
// EventSource reconnects by itself within its retry (3 s), sending the last id it saw.
var REOPEN_MS = 60 * 1000;
var REOPEN_MAX_MS = 10 * 60 * 1000;
// A dropped stream that reconnects by itself (after the site's `retry`, 3 s) keeps the pages on push this long; a
// reconnect that fails (the site is down) or takes longer sends them back to their beat at once.
var RESUME_MS = 15 * 1000;

function supported() {
  return Boolean(window.EventSource && window.BroadcastChannel && navigator.locks && window.AbortController);
}

// Listens for the person `owner`'s hints at `url`: moved(thread, marker, change) for each hint or change (change:
// the change's fields, or undefined for a hint), moved(null) when the page must poll whatever it shows (the
// stream could not replay what it missed); state(live, catchUp) as the stream comes and goes, catchUp when the
// page should poll once because the stream opened after it started.
export function connect(url, owner, moved, state) {
  if (!url || !owner || !supported()) return;  // polling as before
  var name = "chatsite:push:" + owner;
  var channel = new BroadcastChannel(name);
  var started = Date.now();
  var live = false;
  var opened = 0;  // when the stream this page last heard of as live opened
  var leading = null;  // while this tab holds the stream: {source, release, timer, delay, opened}
  var asking = null;  // the AbortController of this tab's lock request, pending or held
  var hiddenTimer = null;

  function receive(message) {
    if (!message || typeof message !== "object") return;
    if (message.type === "moved") moved(String(message.thread), Number(message.marker) || 0);
    else if (message.type === "change") moved(String(message.change.thread), Number(message.change.marker) || 0, message.change);
    else if (message.type === "resync") moved(null, 0);
    else if (message.type === "state") heard(Boolean(message.live), Number(message.opened) || 0);
    else if (message.type === "hello" && leading) channel.postMessage(stateMessage());
  }

  function heard(isLive, when) {
    var fresh = isLive && when !== opened && when >= started;
    if (isLive) opened = when;
    if (isLive === live && !fresh) return;
    live = isLive;
    document.documentElement.dataset.push = live ? "live" : "polling";
    state(live, fresh);
  }

  // To every tab of this person on this browser, this one included (a channel does not echo to its sender).
  function relay(message) {
    channel.postMessage(message);
    receive(message);
  }

  function stateMessage() {
    var isLive = Boolean(leading && leading.opened && leading.source.readyState === EventSource.OPEN);
    return {type: "state", live: isLive, opened: leading ? leading.opened : 0};
  }

  function open() {
    var source = new EventSource(url + "?owner=" + encodeURIComponent(owner));
    var resumable = false;  // it has an event's id ("ready" brings one), which its reconnects send back (Last-Event-ID)
    var reconnecting = null;  // since it dropped: the timer that gives up waiting for it
    leading.source = source;
    function seen(event) {
      if (event.lastEventId) resumable = true;
    }
    function notLive() {
      if (leading && leading.source === source) relay({type: "state", live: false, opened: 0});
    }
    source.addEventListener("open", function () {
      clearTimeout(reconnecting);
      reconnecting = null;
      leading.delay = REOPEN_MS;
      if (!resumable) leading.opened = Date.now();  // new to the pages: they poll once to catch up
      relay(stateMessage());
    });
    source.addEventListener("ready", seen);
    source.addEventListener("moved", function (event) {
      seen(event);
      var hint = JSON.parse(event.data);
      relay({type: "moved", thread: hint.thread, marker: hint.marker});
    });
    source.addEventListener("change", function (event) {
      seen(event);
      relay({type: "change", change: JSON.parse(event.data)});
    });
    source.addEventListener("resync", function (event) {
      seen(event);
      relay({type: "resync"});
    });
    source.addEventListener("error", function () {
      if (!leading || leading.source !== source) return;
      if (resumable && reconnecting === null && source.readyState === EventSource.CONNECTING) {
        reconnecting = setTimeout(notLive, RESUME_MS);
        return;
      }
      notLive();
      if (source.readyState !== EventSource.CLOSED) return;  // reconnecting by itself
      leading.timer = setTimeout(open, leading.delay);
      leading.delay = Math.min(leading.delay * 2, REOPEN_MAX_MS);
    });
  }

  // Holding the lock: the stream stays open until stopLeading() settles the promise, or the tab goes.
  function lead() {
    return new Promise(function (release) {
      leading = {source: null, release: release, timer: null, delay: REOPEN_MS, opened: 0};
      open();
    });
  }

  function stopLeading() {
    if (!leading) return;
    var held = leading;
    leading = null;
    clearTimeout(held.timer);
    if (held.source) held.source.close();
    relay({type: "state", live: false, opened: 0});
    held.release();
  }

  function want() {
    if (asking) return;
    var mine = new AbortController();
    asking = mine;
    navigator.locks.request(name, {signal: mine.signal}, lead).catch(function () {
      // Aborted while waiting: another tab held the stream and this one went hidden for long.
    }).then(function () {
      if (asking === mine) asking = null;
    });
  }

  function unwant() {
    if (!asking) return;
    var mine = asking;
    asking = null;
    if (leading) stopLeading();
    else mine.abort();
  }

  function visibility() {
    clearTimeout(hiddenTimer);
    want();
    if (document.visibilityState !== "visible") hiddenTimer = setTimeout(unwant, HIDDEN_MS);
  }

  channel.onmessage = function (event) {
    receive(event.data);
  };
  document.addEventListener("visibilitychange", visibility);
  // Leaving: the others poll on their beat at once instead of waiting for the next holder's stream to open.
  window.addEventListener("pagehide", unwant);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) visibility();
  });
  document.documentElement.dataset.push = "polling";
  channel.postMessage({type: "hello"});  // the tab holding the stream says whether it is live
  visibility();
}

// A timer for `run` that many callers may ask for: at most `ms` from now (sooner if already due sooner).
export function scheduler(run) {
  var soon = null;
  var dueAt = 0;
  return function later(ms) {
    var at = Date.now() + ms;
    if (soon && dueAt <= at) return;
    clearTimeout(soon);
    dueAt = at;
    soon = setTimeout(function () {
      soon = null;
      run();
    }, ms);
  };
}
