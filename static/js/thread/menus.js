// Menus and the participants drawer, Escape, and where the keyboard goes: after a deletion, into an edit.
import * as page from "./page.js";
import { place, unplace } from "./place.js";

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
    if (open) place(button, target);
    else unplace(target);
  }
}

// Open menus follow their buttons as the pane scrolls or the window changes size.
function placeOpenMenus() {
  document.querySelectorAll('[data-disclosure="menu"][aria-expanded="true"]').forEach(function (button) {
    var target = controlled(button);
    if (target && !target.hidden) place(button, target);
  });
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

export function listen() {
  document.addEventListener("scroll", placeOpenMenus, {capture: true, passive: true});
  window.addEventListener("resize", placeOpenMenus);

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

  // A live update replacing a row whose menu is open: the menu stays open in the new copy.
  var reopen = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var open = target && target.querySelector && target.querySelector('[data-disclosure="menu"][aria-expanded="true"]');
    reopen = open && open.id ? open.id : null;
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    var button = reopen && document.getElementById(reopen);
    reopen = null;
    if (button && button.getAttribute("aria-expanded") !== "true") setOpen(button, true);
  });

  // "Add people" opened: the keyboard goes to its first field (a person using the keyboard starts there).
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "add-people") return;
    var first = target.querySelector("input:not([type=hidden]), select, textarea, button");
    if (first) first.focus();
  });

  // Deleting a message: its row has nothing left to focus, the composer takes it (the server marks the row).
  document.addEventListener("htmx:load", function (event) {
    var row = event.target;
    if (row && row.hasAttribute && row.hasAttribute("data-focus-composer")) {
      row.removeAttribute("data-focus-composer");
      var field = document.getElementById("composer-content");
      if (field) field.focus();
    }
    page.followTopic();
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
}
