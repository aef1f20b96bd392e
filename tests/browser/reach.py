"""Whether a person can reach a control where it is, without the browser scrolling for them.

Playwright's own clicks scroll a control into view and wait for it to be uncovered, so a menu cut off by the
message pane or hidden under the composer still "works" in a test. These helpers never scroll: a control counts as
usable only when it lies inside the viewport and `document.elementFromPoint` at its centre and just inside its
corners is the control (or something inside it). `click` checks that, then clicks (or taps, on a touch screen) at
those coordinates, as a person would.

`assert_controls_usable` checks every control on a page at once (the gallery's states).
"""

import pytest

# The control's problem as words, or "" when it is usable where it is.
PROBLEM = """c => {
  const r = c.getBoundingClientRect();
  if (!r.width || !r.height) return "has no size (hidden)";
  if (r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5)
    return `lies outside the ${innerWidth}×${innerHeight} viewport (${Math.round(r.left)}, ${Math.round(r.top)},`
      + ` ${Math.round(r.right)}, ${Math.round(r.bottom)})`;
  const inset = Math.min(3, r.width / 4, r.height / 4);
  const points = [[r.left + r.width / 2, r.top + r.height / 2], [r.left + inset, r.top + inset],
    [r.right - inset, r.top + inset], [r.left + inset, r.bottom - inset], [r.right - inset, r.bottom - inset]];
  for (const [x, y] of points) {
    const at = document.elementFromPoint(x, y);
    if (!at || !(at === c || c.contains(at))) {
      const what = at ? at.tagName.toLowerCase() + (at.id ? "#" + at.id : "")
        + (at.className && typeof at.className === "string" ? "." + at.className.trim().split(/\\s+/).join(".") : "")
        : "nothing";
      return `is covered or clipped at (${Math.round(x)}, ${Math.round(y)}): ${what} is there`;
    }
  }
  return "";
}"""

CENTRE = "c => { const r = c.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }"
STEP_MS = 100


def problem(locator) -> str:
    """Why a person could not use this control where it is now ("" when they could)."""
    return locator.evaluate(PROBLEM)


def assert_reachable(locator, what: str = "", *, timeout: int = 5_000) -> None:
    """The control becomes usable where it is (menus and swaps settle), without anything scrolling for it."""
    locator.wait_for(state="attached", timeout=timeout)
    page = locator.page
    found = problem(locator)
    for _ in range(timeout // STEP_MS):
        if not found:
            return
        page.wait_for_timeout(STEP_MS)
        found = problem(locator)
    assert not found, f"{what or locator}: {found}"


def click(locator, what: str = "", *, timeout: int = 5_000) -> None:
    """Click (tap on a touch screen) the control at its centre, after checking a person could."""
    assert_reachable(locator, what, timeout=timeout)
    box = locator.evaluate(CENTRE)
    page = locator.page
    if page.evaluate("matchMedia('(pointer: coarse)').matches"):
        page.touchscreen.tap(box[0], box[1])
    else:
        page.mouse.click(box[0], box[1])


def usable(locator) -> bool:
    """This control is inside the viewport and a click at its centre and corners reaches it."""
    return not problem(locator)


# Every control on the page that a person could not use where it is, as words.
CONTROLS = """
() => {
  const found = [];
  const selector = 'a[href], button, input:not([type=hidden]), textarea, select, summary';
  for (const control of document.querySelectorAll(selector)) {
    if (control.closest('[hidden], [inert]')) continue;
    // An inline link broken over lines is used by its first line.
    const box = control.getClientRects()[0] || control.getBoundingClientRect();
    if (box.width < 2 || box.height < 2 || getComputedStyle(control).visibility === 'hidden') continue;
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    // Where it can be seen: the viewport, cut by each box around it that scrolls or clips.
    let left = 0, top = 0, right = innerWidth, bottom = innerHeight;
    for (let around = control.parentElement; around; around = around.parentElement) {
      const style = getComputedStyle(around);
      if (/auto|scroll|hidden|clip/.test(style.overflowX + style.overflowY)) {
        const edge = around.getBoundingClientRect();
        left = Math.max(left, edge.left); top = Math.max(top, edge.top);
        right = Math.min(right, edge.right); bottom = Math.min(bottom, edge.bottom);
      }
    }
    const seen = x >= left && x <= right && y >= top && y <= bottom;
    // A control in an open menu or popover must be usable as it opened; one scrolled away in its pane is
    // reached the way a person reaches it, by scrolling the pane.
    if (!seen && !control.closest('.menu-list')) continue;
    const hit = seen ? document.elementFromPoint(x, y) : null;
    // Under an open menu is where a menu is meant to be: it closes before anything under it is used.
    if (hit && hit.closest('.menu-list') && !control.closest('.menu-list')) continue;
    if (!(hit && (hit === control || control.contains(hit)))) {
      const name = (control.getAttribute('aria-label') || control.textContent || control.name || '').trim();
      found.push(`${control.tagName.toLowerCase()} "${name.slice(0, 40)}" at ${Math.round(x)},${Math.round(y)}` +
                 (hit ? ` is under ${hit.tagName.toLowerCase()}.${hit.className}` : ' is outside what can be seen'));
    }
  }
  return found;
}
"""


def assert_controls_usable(page, state: str) -> None:
    """Fail, naming each one, if a control on the page now is hidden under something or cut off: its centre must be
    inside the viewport (and every scrolling box around it) and `elementFromPoint` there the control itself."""
    blocked = page.evaluate(CONTROLS)
    if blocked:
        pytest.fail(f"controls not usable in place on {state}:\n- " + "\n- ".join(blocked), pytrace=False)
