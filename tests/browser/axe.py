"""axe-core (npm, locked in tests/browser/package.json) run inside a page: every violation, or none.

The page's CSP allows no inline script, and add_script_tag inlines the file: contexts that run axe are opened with
`bypass_csp=True` (new_context below), which changes nothing else about the page.
"""

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


def new_context(browser, size: str):
    """A fresh browser context at 1280×800 ("desktop") or 390×844 with touch ("phone"), ready for axe."""
    return browser.new_context(bypass_csp=True, **SIZES[size])


def violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/browser`", pytrace=False)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations")


def describe(found: list[dict], context: str, url: str) -> str:
    lines = [f"axe-core: {len(found)} violation(s) on {context} ({url})"]
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(" >> ".join(part) if isinstance(part, list) else part for part in node["target"])
            lines.append(f"    {target}")
            lines.extend(f"      {line}" for line in node.get("failureSummary", "").splitlines()[1:3])
    return "\n".join(lines)


def assert_no_violations(page, context: str) -> None:
    """Fail, printing each violation (rule id, impact, the nodes' selectors), if axe finds any on the page now."""
    found = violations(page)
    if found:
        report = describe(found, context, page.url)
        print(report)
        pytest.fail(report, pytrace=False)
