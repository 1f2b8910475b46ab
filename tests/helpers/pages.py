"""Walking a list the way a client does: follow ``next`` to the end, then ``previous``
back to the start, checking the envelope on every page."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

ENVELOPE = {"results", "next", "previous"}


def walk(client: APIClient, url: str) -> list[dict[str, Any]]:
    """Every page of the list at ``url``, following ``next`` from it to the end and then
    ``previous`` back to the start: asserts that each page answers the envelope with
    absolute links, that ``previous`` is null on the first page only, and that the way
    back gives the same pages (each page's ``previous`` is exactly the page before).
    Returns the pages, in order."""
    pages: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        pages.append(_page(client, next_url))
        next_url = pages[-1]["next"]
        assert len(pages) <= 200, "next never ends"
    assert [page["previous"] is None for page in pages] == [True] + [False] * (len(pages) - 1)

    back: list[dict[str, Any]] = []
    previous_url = pages[-1]["previous"]
    while previous_url:
        back.append(_page(client, previous_url))
        previous_url = back[-1]["previous"]
        assert len(back) <= 200, "previous never ends"
    back.reverse()
    assert [page["results"] for page in back] == [page["results"] for page in pages[:-1]]
    assert back == [] or back[0]["previous"] is None  # page 1, reached backward
    return pages


def _page(client: APIClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    body: dict[str, Any] = response.json()
    assert set(body) >= ENVELOPE, body.keys()
    for link in (body["next"], body["previous"]):
        assert link is None or link.startswith("http://testserver/"), link
    return body


def ids(pages: list[dict[str, Any]], key: str = "id") -> list[Any]:
    """The ``key`` of every result, page after page."""
    return [row[key] for page in pages for row in page["results"]]
