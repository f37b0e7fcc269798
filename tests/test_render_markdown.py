"""Protocol text and clinicians' notes: Markdown with no raw HTML, no images, only safe links."""

from __future__ import annotations

import pytest

from generator.render.markdown import notes_markdown, protocol_markdown

TYPED = ('<b>rest</b> ![tracker](http://tracker.example/p.png) [x](javascript:alert(1)) '
         '[call](tel:+15550100) "quoted" -- a')
SHOWN = ('<p>&lt;b&gt;rest&lt;/b&gt; [image not shown: tracker] [x](javascript:alert(1)) '
         '<a href="tel:+15550100">call</a> “quoted” – a</p>\n')


@pytest.mark.parametrize("render", [protocol_markdown, notes_markdown])
def test_html_is_text_images_are_named_and_only_safe_links_are_links(render):
    assert str(render(TYPED)) == SHOWN
