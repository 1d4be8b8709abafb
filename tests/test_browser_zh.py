"""The Chinese edition's pages in headless Chromium, checked as tests/test_browser.py checks the
English ones (math typeset offline, no text past the screen, both widths). A file of its own: make
test distributes files (--dist loadfile), so the two editions' page checks run on two workers."""

from __future__ import annotations

import test_browser
from test_browser import edition_problems

pytestmark = test_browser.pytestmark


def test_every_chinese_page_typesets_math_offline_at_both_widths(browser, server, generated):
    assert edition_problems(browser, server, generated, "zh/") == {}
