"""Handout HTML -> plan.pdf with WeasyPrint, allowed to read only the build's own files."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse


def import_weasyprint():
    """`import weasyprint`, about 0.2 s sooner on Linux.

    WeasyPrint tries several names for each library it loads (libpango-1.0-0, pango-1.0, ...,
    libpango-1.0.so.0); for every name dlopen refuses, cffi asks ctypes.util.find_library,
    which on Linux runs ldconfig, gcc and ld as new processes: some twenty names, sixty
    processes. dlopen itself finds the `.so.0` names in the linker's own search path, so the
    search is skipped; should WeasyPrint fail to load that way, it is imported again with it.
    """
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint

        return weasyprint
    import ctypes.util

    find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # its "could not import" advice
            import weasyprint

        return weasyprint
    except OSError:
        for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
            del sys.modules[name]
    finally:
        ctypes.util.find_library = find_library
    import weasyprint

    return weasyprint


# Images (drawings) a renderer keeps: every drawing of a few protocols in a few languages.
IMAGES_KEPT = 1000
# Parsed <style> texts a renderer keeps: the handout's few, in a few languages and paper sizes.
SHEETS_KEPT = 64
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)  # as the templates write them: no attributes


class PdfRenderer:
    """One per process: WeasyPrint is imported once and its font configuration reused."""

    def __init__(self, allowed_roots: list[Path]):
        weasyprint = import_weasyprint()  # slow (~0.25 s): paid only when PDFs are built
        from weasyprint.text.fonts import FontConfiguration

        self._weasyprint = weasyprint
        self._fonts = FontConfiguration()
        # WeasyPrint's images by URL, kept from one handout to the next: the handout's drawings
        # are data: URLs, parsed once per drawing and process (an edited drawing is a new URL).
        self._cache: dict = {}
        self._sheets: dict = {}  # (a <style> element's text, base URL) -> WeasyPrint's CSS
        self._roots = [p.resolve() for p in allowed_roots]
        self._fetcher = _local_only_fetcher(weasyprint, self._roots)

    def allow(self, allowed_roots: list[Path]) -> None:
        """Read files under these folders from now on, and no others (a helper process warms
        up before it knows the build's folders)."""
        roots = [p.resolve() for p in allowed_roots]
        if roots != self._roots:
            self._roots = roots
            self._fetcher = _local_only_fetcher(self._weasyprint, roots)
            self._cache.clear()  # read with the folders allowed before
            self._sheets.clear()

    def render(self, html: str, base_dir: Path) -> bytes:
        base_url = base_dir.resolve().as_uri() + "/"
        # The handout's <style> elements are the same in every handout: each is parsed once per
        # process and given to WeasyPrint parsed (a twentieth of a handout's time). Left with no
        # style sheet of its own, the document's cascade is the same: they override only
        # WeasyPrint's own sheet either way, and a test compares the bytes with the PDF of the
        # page as it is. (Taken back while the drawings were inline <svg>: WeasyPrint sized
        # those otherwise.) Only the <head>'s; a page that links a style sheet keeps them in
        # place, as their order against it decides the cascade.
        sheets = []
        head, end, body = html.partition("</head>")
        if end and "<link" not in head:
            sheets = [self._sheet(text, base_url) for text in _STYLE.findall(head)]
            html = _STYLE.sub("", head) + end + body
        document = self._weasyprint.HTML(
            string=html, base_url=base_url, url_fetcher=self._fetcher, media_type="print",
        )
        if len(self._cache) > IMAGES_KEPT:  # a long `rehab serve` with many drawings edited
            self._cache.clear()
        # PDF/UA-1: a tagged PDF (headings, lists, tables in a structure tree) that screen
        # readers and reflow can follow; its metadata is still only the title and producer.
        return document.write_pdf(font_config=self._fonts, cache=self._cache,
                                  pdf_variant="pdf/ua-1", stylesheets=sheets)

    def _sheet(self, text: str, base_url: str):
        """WeasyPrint's parse of one <style> element's text, made once (its url() and @import
        go through the same refusing fetcher, resolved against the page's own base URL)."""
        key = (text, base_url)
        if key not in self._sheets:
            if len(self._sheets) >= SHEETS_KEPT:  # `rehab serve` with templates being edited
                self._sheets.clear()
            self._sheets[key] = self._weasyprint.CSS(
                string=text, base_url=base_url, font_config=self._fonts, media_type="print",
                url_fetcher=self._fetcher)
        return self._sheets[key]


# Enough of a page to find, load and shape the handout's fonts and write a PDF once.
WARM_UP_HTML = ('<html lang="en"><body style="font: 10pt/1.3 \'DejaVu Sans\', sans-serif">'
                '<h1>Plan</h1><p>Week <b>1</b> · <small>2 × 10</small></p></body></html>')


def warm_up(allowed_roots: list[Path]) -> None:
    """WeasyPrint imported and one small PDF made, so that this process's next handout costs
    only its own layout: Pango's font loading and WeasyPrint's lazy imports are paid once per
    process (about 0.4 s), here rather than when an athlete is waiting for their handout."""
    PdfRenderer(allowed_roots).render(WARM_UP_HTML, allowed_roots[0])


def _local_only_fetcher(weasyprint, roots: list[Path]):
    """Refuse every URL but files under the given folders and data: URLs (the bytes are in the
    URL itself: the handout's drawings): no network, no /etc/passwd."""

    class LocalOnlyFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)
            if parsed.scheme != "file":
                raise ValueError(f"refused to fetch {parsed.scheme or 'relative'} URL")
            path = Path(unquote(parsed.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
                raise ValueError("refused to read a file outside the build's own folders")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allow_redirects=False, allowed_protocols=("file", "data"))
