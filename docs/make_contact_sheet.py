"""Every exercise's drawing on one sheet, for a clinician: `python3 docs/make_contact_sheet.py`.

Writes docs/drawings.html (every protocol's exercises, named, with their dose and both poses,
drawn by the build's own renderer) and docs/drawings.png (that page in Debian's Chromium).
`--no-png` writes only the HTML.
"""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from generator.protocol import load_protocols  # noqa: E402
from generator.render.figure import SCREEN_PX, svg  # noqa: E402

SCALE = 1.5 * SCREEN_PX  # every drawing at one scale: 1.5 times the phone's

STYLE = """
body { font: 13px/1.3 system-ui, sans-serif; margin: 16px; color: #111; background: #fff; }
h1 { font-size: 18px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 18px 0 6px; border-bottom: 1px solid #999; }
p.about { margin: 0 0 8px; color: #444; }
.sheet { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; }
figure { margin: 0; border: 1px solid #ccc; padding: 4px; break-inside: avoid; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption b { display: block; }
figcaption span { color: #555; font-size: 11px; }
"""


def contact_sheet() -> str:
    protocols = load_protocols(ROOT / "content")
    parts = ["<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<title>Exercise drawings</title><style>", STYLE, "</style></head><body>",
             "<h1>Exercise drawings</h1><p class=\"about\">Every exercise of every protocol "
             "as the page and the handout draw it, from its <code>picture:</code> in "
             "exercises.yaml (start pose left, end pose right), all at one scale "
             "(1.5 times the phone's; the handout draws them all at 0.3 mm a unit). Made by "
             "docs/make_contact_sheet.py.</p>"]
    for pid in sorted(protocols):
        protocol = protocols[pid]
        parts.append(f"<h2>{escape(protocol.title)} <small>({escape(pid)}, "
                     f"{len(protocol.exercises)} exercises)</small></h2><div class=\"sheet\">")
        for ex in protocol.exercises.values():
            drawing = svg(ex.picture, ex.name, SCALE) if ex.picture else "<p>no picture</p>"
            parts.append(f"<figure>{drawing}<figcaption><b>{escape(ex.name)}</b>"
                         f"<span>{escape(ex.id)} · {escape(ex.dose)}</span></figcaption>"
                         "</figure>")
        parts.append("</div>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def screenshot(html: Path, png: Path) -> None:
    from browser import chromium, missing

    if why := missing():
        sys.exit(f"no PNG: {why}")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        page.goto(html.as_uri())
        page.screenshot(path=str(png), full_page=True)


def main() -> None:
    html = DOCS / "drawings.html"
    html.write_text(contact_sheet(), encoding="utf-8")
    print(f"wrote {html.relative_to(ROOT)}")
    if "--no-png" not in sys.argv:
        screenshot(html, DOCS / "drawings.png")
        print(f"wrote {(DOCS / 'drawings.png').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
