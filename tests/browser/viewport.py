"""Whether the controls a person sees can be used where they are, without the browser scrolling for them: a
control counts as usable only when its centre is inside the viewport (and inside every scrolling box around it)
and `elementFromPoint` there is the control itself. Playwright scrolls and retries on its own; people do not."""

import pytest

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

USABLE = """
control => {
  const box = control.getClientRects()[0] || control.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  if (box.width < 2 || box.height < 2 || x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
  const hit = document.elementFromPoint(x, y);
  return hit === control || control.contains(hit);
}
"""


def usable(locator) -> bool:
    """This control is inside the viewport and a click at its centre reaches it."""
    return locator.evaluate(USABLE)


def assert_controls_usable(page, state: str) -> None:
    """Fail, naming each one, if a control on the page now is hidden under something or cut off (see above)."""
    blocked = page.evaluate(CONTROLS)
    if blocked:
        pytest.fail(f"controls not usable in place on {state}:\n- " + "\n- ".join(blocked), pytrace=False)
