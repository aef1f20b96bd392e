// Where an open menu goes: under its button, or above it when there is no room below, moved sideways to stay in
// the viewport. It is placed `position: fixed` so that the message pane, which scrolls (overflow), cannot clip it;
// a menu of the pane stays inside the pane's visible part when it fits there (over the messages, not the composer).

var GAP = 4;     // px between the button and its menu
var MARGIN = 4;  // px kept free at the viewport's edges

function clamp(value, low, high) {
  return Math.max(low, Math.min(value, high));
}

export function place(button, list) {
  list.classList.add("menu-list--placed");
  list.style.top = "0px";
  list.style.left = "0px";
  var b = button.getBoundingClientRect();
  var m = list.getBoundingClientRect();
  var viewTop = MARGIN;
  var viewBottom = window.innerHeight - MARGIN;
  var area = {top: viewTop, bottom: viewBottom};
  var pane = button.closest(".conversation");
  if (pane) {
    var p = pane.getBoundingClientRect();
    area = {top: Math.max(p.top, viewTop), bottom: Math.min(p.bottom, viewBottom)};
  }
  var below = b.bottom + GAP;
  var above = b.top - GAP - m.height;
  var top;
  if (below + m.height <= area.bottom) top = below;
  else if (above >= area.top) top = above;
  else if (below + m.height <= viewBottom) top = below;  // the pane is too short: over the composer, in view
  else if (above >= viewTop) top = above;
  else top = clamp(below, viewTop, viewBottom - m.height);
  // Its right edge under the button's (menus open towards the page), moved in where the viewport ends.
  var left = clamp(b.right - m.width, MARGIN, window.innerWidth - MARGIN - m.width);
  list.style.top = Math.round(top) + "px";
  list.style.left = Math.round(left) + "px";
}

export function unplace(list) {
  list.classList.remove("menu-list--placed");
  list.style.top = "";
  list.style.left = "";
}
