// The composer: Enter, growing, drafts, typing reports, errors that clear. Sending what it holds is the outbox's.
import * as page from "./page.js";

var PAUSE_MS = 2500;  // no keystroke for this long: the person stopped typing
var TYPING_MS = 2000;  // the server keeps ACS within budget whatever the page sends; this spares requests

function touch() {
  return window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
}

export function grow(field) {
  if (!field || !field.matches("textarea[data-grow]")) return;
  field.style.height = "auto";
  field.style.height = field.scrollHeight + 2 + "px";  // max-height (about 5 lines) in chat.css
}

export function saveDraft() {
  var s = page.store();
  var field = document.getElementById("composer-content");
  if (!s || !field) return;
  if (field.value) s.setItem(page.storageKey("draft"), field.value);
  else s.removeItem(page.storageKey("draft"));
}

export function clearFieldError(field) {
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

// The server's words for what it refused (an element of its answer, or none), by the field.
export function showComposerError(fresh) {
  var form = page.composerForm();
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

// The words went to the outbox: the server ends "is typing" with the message itself.
export function sent() {
  clearTimeout(pauseTimer);
  lastTyping = 0;
}

// Requests the page makes by itself, not actions of the person.
var BACKGROUND = ["poller", "typing-reporter", "typing-stopped"];

export function listen() {
  // Any other action (an edit, a rename, adding people…) ends the composer's complaint, as typing does: it was
  // about a send the person has moved on from.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var field = document.getElementById("composer-content");
    if (!elt || !field || BACKGROUND.indexOf(elt.id) >= 0 || (elt.closest && elt.closest("#composer"))) return;
    clearFieldError(field);
  });

  // Enter sends, Shift+Enter (or Enter while composing with an input method) starts a new line; on touch screens
  // Enter always starts a new line and only the Send button sends.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || touch()) return;
    if (!field.matches || !field.matches("textarea[data-enter-sends]")) return;
    event.preventDefault();
    if (field.form) field.form.requestSubmit();
  });

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
}

// The draft this person left in this thread goes back into the box (unless the page brought words of its own).
export function start() {
  var field = document.getElementById("composer-content");
  var s = page.store();
  if (field && s && !field.value && s.getItem(page.storageKey("draft"))) field.value = s.getItem(page.storageKey("draft"));
  if (field) grow(field);
}
