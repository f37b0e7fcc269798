"""Markdown with raw HTML off and only safe links, for protocol text and clinicians' notes."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:")


def _only_safe_links(url: str) -> bool:
    return url.strip().lower().startswith(SAFE_SCHEMES)


def _image_as_text(self, tokens, idx, options, env) -> str:
    # Disabling the image rule would turn ![x](http://...) into "!" + a link to the image;
    # shown as text instead, the URL leaves no trace in the page or the PDF.
    return f"[image not shown: {escapeHtml(tokens[idx].content)}]"


def _parser() -> MarkdownIt:
    # js-default: raw HTML is escaped, not passed through (markdown-it-py docs/security.md)
    md = MarkdownIt("js-default", {"typographer": True}).enable(["replacements", "smartquotes"])
    md.validateLink = _only_safe_links
    md.add_render_rule("image", _image_as_text)
    return md


# One parser for protocol text and notes alike: both are shown with no raw HTML and no images.
_MARKDOWN = _parser()


@lru_cache(maxsize=512)
def protocol_markdown(text: str) -> Markup:
    """Protocol content is rendered once per build, whatever the number of athletes."""
    return Markup(_MARKDOWN.render(text))


def notes_markdown(text: str) -> Markup:
    """A clinician's notes: typed by a person, so images are off too (nothing to fetch)."""
    return Markup(_MARKDOWN.render(text))


@lru_cache(maxsize=64)
def plain_text(text: str) -> str:
    """Protocol Markdown as plain text (calendar descriptions): paragraphs and '- ' items."""
    blocks: list[str] = []
    depth = 0
    for token in _MARKDOWN.parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "inline":
            words = "".join(" " if c.type in ("softbreak", "hardbreak") else c.content
                            for c in token.children or ())
            blocks.append(("- " if depth else "") + words)
    return "\n".join(blocks)
