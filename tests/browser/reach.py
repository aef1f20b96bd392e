"""Whether a person can reach a control where it is, without the browser scrolling for them.

Playwright's own clicks scroll a control into view and wait for it to be uncovered, so a menu cut off by the
message pane or hidden under the composer still "works" in a test. These helpers never scroll: a control counts as
usable only when it lies inside the viewport and `document.elementFromPoint` at its centre and just inside its
corners is the control (or something inside it). `click` checks that, then clicks (or taps, on a touch screen) at
those coordinates, as a person would.
"""

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
