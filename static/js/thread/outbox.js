// Sending: an outbox of messages, each with its client id, sent one at a time, in order, exactly once per client id
// ("Sending…", "Sent", "Not sent" with Retry and Discard), kept in the tab under the page's person until sent.
import * as page from "./page.js";
import * as connection from "./poll.js";
import * as composer from "./composer.js";
import { scrollToBottom } from "./pane.js";

var outbox = [];   // {clientId, text, owner, state: queued|sending|sent|failed, messageId}
var lastQueued = 0;
var sending = false;
var busyUntil = 0;  // ACS allows 10 sends per 10 s per thread: after a 429 the outbox waits, then goes on

function uuid4() {
  var bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
  return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
}

function saveOutbox() {
  var s = page.store();
  if (!s) return;
  var owner = page.ownerMark();
  var kept = outbox.filter(function (e) { return e.state !== "sent" && e.owner === owner; })
    .map(function (e) { return {clientId: e.clientId, text: e.text, owner: e.owner}; });
  if (kept.length) s.setItem(page.storageKey("outbox"), JSON.stringify(kept));
  else s.removeItem(page.storageKey("outbox"));
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
    sender.textContent = page.text("You");
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
  row.querySelector(".state").textContent = failed ? page.text("NotSent") : entry.state === "sent" ? page.text("Sent") : page.text("Sending");
  var actions = row.querySelector(".pending-actions");
  if (failed && !actions) {
    actions = document.createElement("div");
    actions.className = "pending-actions";
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "link";
    retry.dataset.retry = entry.clientId;
    retry.textContent = page.text("Retry");
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link danger";
    discard.dataset.discard = entry.clientId;
    discard.textContent = page.text("Discard");
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
export function reconcile() {
  outbox.slice().forEach(function (entry) {
    if (entry.messageId && document.getElementById("m-" + entry.messageId)) removeEntry(entry);
  });
}

function post(entry) {
  var form = page.composerForm();
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
      connection.online();
      if (response.ok) {
        entry.state = "sent";
        entry.messageId = response.headers.get("X-Message-Id");
        renderEntry(entry);
        saveOutbox();
        connection.poll();
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
    connection.offline();
    throw new Error("offline");
  });
}

// The next waiting message goes out, unless one is on its way, the site is unreachable or ACS asked to wait.
export function pump() {
  if (sending || !connection.reachable() || Date.now() < busyUntil) return;
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
    composer.saveDraft();
    composer.grow(field);
  }
  var fresh = new DOMParser().parseFromString(body, "text/html").getElementById("composer-error");
  composer.showComposerError(fresh);
}

// An error answer carries the page banner out of band (chat/views/policy.py); show its words.
function showBanner(body) {
  var banner = document.getElementById("banner");
  var fresh = new DOMParser().parseFromString(body || "", "text/html").getElementById("banner");
  if (banner && fresh) banner.replaceChildren.apply(banner, Array.prototype.map.call(fresh.childNodes, function (n) {
    return document.importNode(n, true);
  }));
}

export function listen() {
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
          composer.showComposerError(new DOMParser().parseFromString(body, "text/html").getElementById("composer-error"));
        }, function () { connection.offline(); });
      return;
    }
    // The words move to a "Sending…" row at once; the box is free for the next message, under a new client id.
    var entry = {clientId: form.elements.client_id.value || uuid4(), text: words, owner: page.ownerMark(), state: "queued"};
    lastQueued = Date.now();
    form.elements.client_id.value = uuid4();
    field.value = "";
    composer.sent();
    composer.clearFieldError(field);
    composer.saveDraft();
    composer.grow(field);
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
}

// Messages this page had not sent when it was closed or reloaded go out now, under their own client ids:
// the server sends each once, however often it is asked.
export function start() {
  var s = page.store();
  var saved = [];
  try {
    saved = JSON.parse((s && s.getItem(page.storageKey("outbox"))) || "[]");
  } catch (error) {
    saved = [];
  }
  if (page.composerForm()) {
    var owner = page.ownerMark();
    saved.forEach(function (e) {
      if (e.owner === owner) outbox.push({clientId: e.clientId, text: e.text, owner: e.owner, state: "queued"});
    });
    outbox.forEach(renderEntry);
    pump();
  }
}
