"""Every list and dashboard page names itself in plain text in the browser's tab: a block left open in a
template once put two whole lists (their markup included) inside the needs-attention page's <title>."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from tests.test_query_counts import PAGES, ROLES

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


@pytest.mark.parametrize("username", ROLES)
def test_each_page_title_is_its_name_in_plain_text(as_user, client, username):
    as_user(username)
    seen = 0
    for page in PAGES:
        name, query = page if isinstance(page, tuple) else (page, "")
        response = client.get(reverse(name) + query)
        if response.status_code != 200:
            continue  # a page this role may not open
        seen += 1
        found = TITLE.findall(response.content.decode())
        assert len(found) == 1, name
        title = html.unescape(found[0])
        assert "<" not in title and "\n" not in title.strip(), (name, title[:200])
        assert title.endswith(" · Chung Tay") and len(title) > len(" · Chung Tay") + 2, (name, title)
    assert seen >= 9
