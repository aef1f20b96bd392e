// The thread page's behaviour beyond htmx attributes (the CSP allows no inline script and no eval, so it lives
// here): the poll beat and its back-off while the site is unreachable, sending (with "Sending…", "Not sent" and
// Retry, exactly once per client id), drafts, saying what the person read, keeping the newest message in view, live
// updates that never replace what the person is editing, menus and the participants drawer, focus and keyboard.
// Words come from the page's data-text-* attributes (templates/chat/thread_detail.html), translated there.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var MAX_BACKOFF_MS = 30000;
  var PAUSE_MS = 2500;  // no keystroke for this long: the person stopped typing
  var TYPING_MS = 2000;  // the server keeps ACS within budget whatever the page sends; this spares requests
  var STICK_SLACK = 40;   // px from the bottom that still counts as "at the newest message"

  var page, pane, threadId, owner;

  function text(name) {
    return (page && page.dataset["text" + name]) || "";
  }

  function touch() {
    return window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  }

  function messageId(item) {
    return item ? item.id.replace(/^m-/, "") : "";
  }

  // Drafts and unsent messages are kept in the tab under the page's person (data-owner, an opaque mark of the
  // account): a page that names nobody keeps nothing.
  function store() {
    if (!owner) return null;
    try {
      return window.sessionStorage;
    } catch (error) {
      return null;
    }
  }

  // Whatever another account's pages left in this tab is dropped, never shown or sent: logging out asks the browser
  // to clear it (Clear-Site-Data), and this covers browsers that do not.
  function forgetOthers() {
    var s = store();
    if (!s) return;
    var mine = ["chatsite:outbox:" + owner + ":", "chatsite:draft:" + owner + ":"];
    for (var i = s.length - 1; i >= 0; i--) {
      var name = s.key(i);
      var kept = mine.some(function (prefix) { return name.indexOf(prefix) === 0; });
      if (name.indexOf("chatsite:") === 0 && !kept) s.removeItem(name);
    }
  }

  function uuid4() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // ---- Connection: the beat, and backing off while the site cannot be reached --------------------------------

  var failures = 0;
  var timer = null;

  function visible() {
    return document.visibilityState === "visible" && window.htmx;
  }

  function schedule() {
    clearTimeout(timer);
    var wait = failures ? Math.min(POLL_MS * Math.pow(2, failures - 1), MAX_BACKOFF_MS) : POLL_MS;
    timer = setTimeout(beat, wait);
  }

  function beat() {
    schedule();
    if (!visible()) return;
    poll();
  }

  function offline() {
    failures += 1;
    var banner = document.getElementById("connection");
    if (banner && !banner.textContent) banner.textContent = text("Reconnecting");
    schedule();
  }

  function online() {
    var was = failures;
    failures = 0;
    var banner = document.getElementById("connection");
    if (banner && banner.textContent) banner.textContent = "";
    if (was) {
      schedule();
      pump();
    }
  }

  // The page's one poll (views/messages.thread_poll): new, edited and deleted messages, typing, "seen by", panel
  // changes, the end of one's part. Its URL carries what the page shows; 204 when none of it changed.
  function poll() {
    var poller = document.getElementById("poller");
    if (poller) window.htmx.trigger(poller, "chat:poll");
  }

  // While the page is in view, their own newest message is the one "Seen by …" is about, and the newest message
  // shown is what this person has seen: the page says so as it polls.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id !== "poller" || !visible()) return;
    var own = document.querySelectorAll("#message-list > li.message--own");
    event.detail.parameters.own = messageId(own[own.length - 1]);
    markRead();
  });

  // What the person read goes by POST (views/presence.thread_read: the unread count, a read receipt), once per
  // newest message; the poll is a GET and changes nothing.
  var readDone = "";  // the newest message the site marked read for this page, or refused to
  var reading = false;

  function markRead() {
    var messages = document.querySelectorAll("#message-list > li.message");
    var newest = messageId(messages[messages.length - 1]);
    var form = composerForm();
    if (!newest || newest === readDone || reading || !form || !window.fetch) return;
    var data = new FormData();
    data.append("message", newest);
    reading = true;
    fetch(page.dataset.readUrl, {
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

  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "poller") offline();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status > 0 && event.detail.elt && event.detail.elt.id === "poller") online();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") beat();
  });

  // ---- Sending: an outbox of messages, each with its client id, sent one at a time, in order -----------------

  var outbox = [];   // {clientId, text, owner, state: queued|sending|sent|failed, messageId}
  var lastQueued = 0;
  var sending = false;
  var busyUntil = 0;  // ACS allows 10 sends per 10 s per thread: after a 429 the outbox waits, then goes on

  function outboxKey() {
    return "chatsite:outbox:" + owner + ":" + threadId;
  }

  function saveOutbox() {
    var s = store();
    if (!s) return;
    var kept = outbox.filter(function (e) { return e.state !== "sent" && e.owner === owner; })
      .map(function (e) { return {clientId: e.clientId, text: e.text, owner: e.owner}; });
    if (kept.length) s.setItem(outboxKey(), JSON.stringify(kept));
    else s.removeItem(outboxKey());
  }

  function renderEntry(entry) {
    var list = document.getElementById("outbox");
    if (!list) return;
    var row = entry.row;
    if (!row) {
      row = entry.row = document.createElement("li");
      row.className = "message message--own message--pending";
      row.dataset.clientId = entry.clientId;
      var bubble = document.createElement("div");
      bubble.className = "bubble";
      var meta = document.createElement("p");
      meta.className = "meta";
      var sender = document.createElement("span");
      sender.className = "sender";
      sender.textContent = text("You");
      var state = document.createElement("span");
      state.className = "state";
      meta.append(sender, " ", state);
      var body = document.createElement("div");
      body.className = "body";
      body.textContent = entry.text;  // the person's words as text, never as HTML
      bubble.append(meta, body);
      row.append(bubble);
      list.append(row);
    }
    var failed = entry.state === "failed";
    row.classList.toggle("message--failed", failed);
    row.querySelector(".state").textContent = failed ? text("NotSent") : entry.state === "sent" ? text("Sent") : text("Sending");
    var actions = row.querySelector(".pending-actions");
    if (failed && !actions) {
      actions = document.createElement("div");
      actions.className = "pending-actions";
      var retry = document.createElement("button");
      retry.type = "button";
      retry.className = "link";
      retry.dataset.retry = entry.clientId;
      retry.textContent = text("Retry");
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "link danger";
      discard.dataset.discard = entry.clientId;
      discard.textContent = text("Discard");
      actions.append(retry, discard);
      row.querySelector(".bubble").append(actions);
    } else if (!failed && actions) {
      actions.remove();
    }
  }

  function removeEntry(entry) {
    if (entry.row) entry.row.remove();
    outbox = outbox.filter(function (e) { return e !== entry; });
    saveOutbox();
  }

  // The real message is on the page (this page's poll brought it): the "Sending…" row goes.
  function reconcile() {
    outbox.slice().forEach(function (entry) {
      if (entry.messageId && document.getElementById("m-" + entry.messageId)) removeEntry(entry);
    });
  }

  function composerForm() {
    return document.getElementById("composer");
  }

  function post(entry) {
    var form = composerForm();
    if (!form) return Promise.resolve();
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    data.append("client_id", entry.clientId);
    data.append("owner", entry.owner);  // the server refuses words another account wrote here (409)
    data.append("content", entry.text);
    entry.state = "sending";
    renderEntry(entry);
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"HX-Request": "true", "X-CSRFToken": form.elements.csrfmiddlewaretoken.value},
    }).then(function (response) {
      return response.text().then(function (body) {
        online();
        if (response.ok) {
          entry.state = "sent";
          entry.messageId = response.headers.get("X-Message-Id");
          renderEntry(entry);
          saveOutbox();
          poll();
          reconcile();
        } else if (response.status === 422) {
          refused(entry, body);
        } else if (response.status === 409) {
          // Written while someone else was logged in here: not sent, and not this person's to see or retry.
          removeEntry(entry);
          showBanner(body);
        } else if (response.status === 429 || (response.status === 503 && response.headers.get("Retry-After"))) {
          // Busy (429), or not yet confirmed by a slow ACS (503 naming a wait): not refused. The words wait in the
          // outbox ("Sending…") and go out again, under the same client id, after the wait the site named.
          var seconds = parseInt(response.headers.get("Retry-After"), 10) || 1;  // the site always names it
          busyUntil = Date.now() + seconds * 1000;
          entry.state = "queued";
          renderEntry(entry);
          setTimeout(pump, seconds * 1000);
        } else {
          entry.state = "failed";
          renderEntry(entry);
          showBanner(body);
        }
      });
    }, function () {
      entry.state = "queued";  // the site is unreachable: sent, once, when it is back
      renderEntry(entry);
      offline();
      throw new Error("offline");
    });
  }

  function pump() {
    if (sending || failures || Date.now() < busyUntil) return;
    var next = outbox.filter(function (e) { return e.state === "queued"; })[0];
    if (!next) return;
    sending = true;
    post(next).then(function () {
      sending = false;
      pump();
    }, function () {
      sending = false;
    });
  }

  function enqueue(entry) {
    outbox.push(entry);
    renderEntry(entry);
    saveOutbox();
    scrollToBottom();
    pump();
  }

  // The server did not accept the words (too long): they go back into the box, before anything typed since.
  function refused(entry, body) {
    removeEntry(entry);
    var field = document.getElementById("composer-content");
    if (field) {
      field.value = entry.text + (field.value ? "\n" + field.value : "");
      saveDraft();
      grow(field);
    }
    var fresh = new DOMParser().parseFromString(body, "text/html").getElementById("composer-error");
    showComposerError(fresh);
  }

  function showComposerError(fresh) {
    var form = composerForm();
    var field = document.getElementById("composer-content");
    if (!form || !field) return;
    var old = document.getElementById("composer-error");
    if (old) old.remove();
    if (!fresh) return;
    form.querySelector(".composer-row").after(document.importNode(fresh, true));
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", "composer-hint composer-error");
    field.focus();
  }

  // An error answer carries the page banner out of band (chat/views/policy.py); show its words.
  function showBanner(body) {
    var banner = document.getElementById("banner");
    var fresh = new DOMParser().parseFromString(body || "", "text/html").getElementById("banner");
    if (banner && fresh) banner.replaceChildren.apply(banner, Array.prototype.map.call(fresh.childNodes, function (n) {
      return document.importNode(n, true);
    }));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "composer" || !window.fetch) return;
    event.preventDefault();
    var field = form.elements.content;
    var words = field.value;
    if (!words.trim()) {
      if (Date.now() - lastQueued < 1500) return;  // a double click on Send: the first one sent the words
      // Nothing to send: the server's words for it, by the field.
      var data = new FormData(form);
      fetch(form.action, {method: "POST", body: data, credentials: "same-origin", headers: {"HX-Request": "true"}})
        .then(function (response) { return response.text(); })
        .then(function (body) {
          showComposerError(new DOMParser().parseFromString(body, "text/html").getElementById("composer-error"));
        }, function () { offline(); });
      return;
    }
    // The words move to a "Sending…" row at once; the box is free for the next message, under a new client id.
    var entry = {clientId: form.elements.client_id.value || uuid4(), text: words, owner: owner, state: "queued"};
    lastQueued = Date.now();
    form.elements.client_id.value = uuid4();
    field.value = "";
    clearTimeout(pauseTimer);
    lastTyping = 0;  // the server ends "is typing" with the message itself
    clearFieldError(field);
    saveDraft();
    grow(field);
    enqueue(entry);
    field.focus();
  });

  document.addEventListener("click", function (event) {
    var retry = event.target.closest && event.target.closest("[data-retry]");
    var discard = event.target.closest && event.target.closest("[data-discard]");
    var id = retry ? retry.dataset.retry : discard ? discard.dataset.discard : null;
    if (!id) return;
    var entry = outbox.filter(function (e) { return e.clientId === id; })[0];
    if (!entry) return;
    if (retry) {
      entry.state = "queued";
      renderEntry(entry);
      pump();
    } else {
      removeEntry(entry);
      var field = document.getElementById("composer-content");
      if (field) field.focus();
    }
  });

  // ---- The composer: Enter, growing, drafts, typing reports, errors that clear ---------------------------------

  // Enter sends, Shift+Enter (or Enter while composing with an input method) starts a new line; on touch screens
  // Enter always starts a new line and only the Send button sends.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || touch()) return;
    if (!field.matches || !field.matches("textarea[data-enter-sends]")) return;
    event.preventDefault();
    if (field.form) field.form.requestSubmit();
  });

  function grow(field) {
    if (!field || !field.matches("textarea[data-grow]")) return;
    field.style.height = "auto";
    field.style.height = field.scrollHeight + 2 + "px";  // max-height (about 5 lines) in chat.css
  }

  function draftKey() {
    return "chatsite:draft:" + owner + ":" + threadId;
  }

  function saveDraft() {
    var s = store();
    var field = document.getElementById("composer-content");
    if (!s || !field) return;
    if (field.value) s.setItem(draftKey(), field.value);
    else s.removeItem(draftKey());
  }

  function clearFieldError(field) {
    if (field.getAttribute("aria-invalid") !== "true") return;
    field.removeAttribute("aria-invalid");
    var described = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    var kept = described.filter(function (id) {
      var error = id && document.getElementById(id);
      if (error && error.classList.contains("field-error")) {
        error.remove();
        return false;
      }
      return Boolean(id);
    });
    if (kept.length) field.setAttribute("aria-describedby", kept.join(" "));
    else field.removeAttribute("aria-describedby");
  }

  // Typing: reported at most every TYPING_MS while the person types; a pause of PAUSE_MS or an emptied box ends
  // it at once (otherwise others would see "is typing…" until the server's record lapses).
  var lastTyping = 0;
  var pauseTimer = null;

  function typingStopped() {
    clearTimeout(pauseTimer);
    if (!lastTyping) return;
    lastTyping = 0;
    var stopper = document.getElementById("typing-stopped");
    if (stopper && window.htmx) window.htmx.trigger(stopper, "chat:typing-stopped");
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    clearFieldError(field);
    grow(field);
    if (field.id !== "composer-content") return;
    saveDraft();
    if (!field.value) {
      typingStopped();
      return;
    }
    clearTimeout(pauseTimer);
    pauseTimer = setTimeout(typingStopped, PAUSE_MS);
    var reporter = document.getElementById("typing-reporter");
    if (!reporter || !window.htmx || Date.now() - lastTyping < TYPING_MS) return;
    lastTyping = Date.now();
    window.htmx.trigger(reporter, "chat:typing");
  });

  // ---- The message pane: the newest message in view, "New messages" while reading older ones ------------------

  var stick = true;
  var lastId = "";

  function atBottom() {
    return pane.scrollHeight - pane.scrollTop - pane.clientHeight <= STICK_SLACK;
  }

  function scrollToBottom() {
    if (!pane) return;
    pane.scrollTop = pane.scrollHeight;
    stick = true;
    var button = document.getElementById("new-messages");
    if (button) button.hidden = true;
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
    if (stick) {
      pane.scrollTop = pane.scrollHeight;
    } else if (arrived) {
      var button = document.getElementById("new-messages");
      if (button) button.hidden = false;
    }
    reconcile();
  }

  // "Load older messages": keep the message being read where it was.
  var anchor = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!pane || !event.detail.target || event.detail.target.id !== "paging-area") return;
    var top = pane.getBoundingClientRect().top;
    var items = pane.querySelectorAll("#message-list > li.message");  // day headings may move up
    for (var i = 0; i < items.length; i++) {
      var box = items[i].getBoundingClientRect();
      if (box.bottom > top) {
        anchor = {element: items[i], offset: box.top - top, button: document.querySelector("#paging-area button")};
        break;
      }
    }
  });
  function restoreAnchor() {
    var kept = anchor;
    anchor = null;
    if (kept.element.isConnected) {
      pane.scrollTop += kept.element.getBoundingClientRect().top - pane.getBoundingClientRect().top - kept.offset;
    }
    stick = atBottom();
    var more = document.querySelector("#paging-area button");
    (more || pane).focus({preventScroll: true});
  }

  // ---- Live updates never replace what the person is typing -----------------------------------------------------

  var refocus = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    // A message being edited stays as it is; Save or Cancel brings its current state.
    if (target.classList.contains("message--editing")) {
      event.preventDefault();
      return;
    }
    // The panel while people are being added; Add or Cancel renders it fresh.
    if (target.id === "participants" && target.querySelector("form.add-people")) {
      event.preventDefault();
      return;
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

  // ---- Menus and the participants drawer ------------------------------------------------------------------------

  function controlled(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function setOpen(button, open) {
    var target = controlled(button);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (!target) return;
    if (button.dataset.disclosure === "drawer") {
      target.classList.toggle("is-open", open);
      // On a phone the drawer covers the page: what is behind it is out of reach until it closes.
      var covers = open && window.getComputedStyle(target).position === "fixed";
      document.querySelectorAll(".thread-header, .conversation-column, .site-header").forEach(function (behind) {
        behind.inert = covers;
      });
    } else {
      target.hidden = !open;
    }
  }

  function closeMenus(except) {
    document.querySelectorAll('[data-disclosure="menu"][aria-expanded="true"]').forEach(function (button) {
      if (button !== except) setOpen(button, false);
    });
  }

  function closeDrawer(returnFocus) {
    var button = document.getElementById("people-button");
    if (!button || button.getAttribute("aria-expanded") !== "true") return false;
    setOpen(button, false);
    if (returnFocus) button.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-disclosure]");
    if (button) {
      var open = button.getAttribute("aria-expanded") !== "true";
      closeMenus(button);
      setOpen(button, open);
      if (open && button.dataset.disclosure === "menu") {
        var first = controlled(button).querySelector("a, button");
        if (first) first.focus();
      }
      if (open && button.dataset.disclosure === "drawer") {
        var heading = document.getElementById("participants-title");
        if (heading) heading.focus();
      }
      return;
    }
    if (event.target.closest && event.target.closest("[data-close-drawer]")) {
      closeDrawer(true);
      return;
    }
    // Choosing an item, or clicking elsewhere, closes the open menu.
    closeMenus(null);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    // Escape cancels an edit (a message's or the topic's)...
    var editing = event.target.closest && event.target.closest(".message--editing, .topic--editing");
    if (editing) {
      var cancel = editing.querySelector("[data-cancel]");
      if (cancel) {
        event.preventDefault();
        cancel.click();
      }
      return;
    }
    // ...closes an open menu, back on its button, or the drawer.
    var open = document.querySelector('[data-disclosure="menu"][aria-expanded="true"]');
    if (open) {
      setOpen(open, false);
      open.focus();
      return;
    }
    closeDrawer(true);
  });

  // Deleting a message: its row has nothing left to focus, the composer takes it (the server marks the row).
  document.addEventListener("htmx:load", function (event) {
    var row = event.target;
    if (row && row.hasAttribute && row.hasAttribute("data-focus-composer")) {
      row.removeAttribute("data-focus-composer");
      var field = document.getElementById("composer-content");
      if (field) field.focus();
    }
    followTopic();
  });

  // An edit form opened with its field focused: the caret goes after the words, where a correction usually goes
  // (a focused textarea otherwise starts with the caret before the first letter).
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("textarea[id^='edit-']") || field.dataset.caretPlaced) return;
    field.dataset.caretPlaced = "1";
    field.setSelectionRange(field.value.length, field.value.length);
  });

  // An edit form opened: fully in view, above the composer.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    if (target && target.classList && target.classList.contains("message--editing")) {
      target.scrollIntoView({block: "nearest"});
    }
  });

  // ---- "Seen by" and the tab title ---------------------------------------------------------------------------

  // The poll sends "seen by" as a hidden paragraph naming the message it is about; show it under that
  // message, where it moves as newer messages of one's own arrive.
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

  var titleSuffix = "";
  function followTopic() {
    var heading = document.querySelector("#topic:not(.topic--editing) > h1");
    if (heading && heading.textContent.trim()) document.title = heading.textContent.trim() + titleSuffix;
  }

  document.addEventListener("htmx:afterSettle", function () {
    placeSeenBy();
    followTopic();
  });

  // ---- Start ------------------------------------------------------------------------------------------------

  function start() {
    page = document.getElementById("thread-page");
    pane = document.getElementById("messages-pane");
    if (!page) return;
    threadId = page.dataset.threadId;
    owner = page.dataset.owner || "";
    forgetOthers();
    var dot = document.title.lastIndexOf(" · ");
    titleSuffix = dot >= 0 ? document.title.slice(dot) : "";

    var field = document.getElementById("composer-content");
    var s = store();
    if (field && s && !field.value && s.getItem(draftKey())) field.value = s.getItem(draftKey());
    if (field) grow(field);

    if (pane) {
      lastId = newestId();
      scrollToBottom();
      pane.addEventListener("scroll", function () {
        stick = atBottom();
        if (stick) document.getElementById("new-messages").hidden = true;
      }, {passive: true});
      new MutationObserver(paneChanged).observe(pane, {childList: true, subtree: true, characterData: true});
      if (window.ResizeObserver) new ResizeObserver(function () { if (stick) pane.scrollTop = pane.scrollHeight; }).observe(pane);
      document.getElementById("new-messages").addEventListener("click", function () {
        scrollToBottom();
        var composer = document.getElementById("composer-content");
        if (composer) composer.focus({preventScroll: true});
      });
    }

    // Messages this page had not sent when it was closed or reloaded go out now, under their own client ids:
    // the server sends each once, however often it is asked.
    var saved = [];
    try {
      saved = JSON.parse((s && s.getItem(outboxKey())) || "[]");
    } catch (error) {
      saved = [];
    }
    if (composerForm()) {
      saved.forEach(function (e) {
        if (e.owner === owner) outbox.push({clientId: e.clientId, text: e.text, owner: e.owner, state: "queued"});
      });
      outbox.forEach(renderEntry);
      pump();
    }

    schedule();  // the poller polls once by itself as htmx loads it (hx-trigger "load")
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
