"""GraphiQL opens with the example feed query and runs it against the demo data,
in a real browser (the system Chromium), with a demo account's bearer token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, expect

from tests.core.browser import Visit, browser_fixture  # noqa: F401  (the `browser` fixture)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


@pytest.fixture
def visit(browser: Browser, live_server) -> Iterator[Visit]:
    context = browser.new_context()
    try:
        yield Visit(context, live_server.url)
    finally:
        context.close()


def test_graphiql_runs_its_example_feed_query_on_the_demo_data(visit, settings):
    from rest_framework_simplejwt.tokens import RefreshToken

    from core.site.demo import seed_accounts
    from social.demo import demo_seed

    settings.CELERY_TASK_ALWAYS_EAGER = True
    seed_accounts()
    demo_seed()
    user = get_user_model().objects.get(username="demo_customer")
    token = str(RefreshToken.for_user(user).access_token)

    page = visit.open("/graphql/")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    expect(editor).to_contain_text("query Feed")
    expect(editor).to_contain_text("Authorization")
    page.get_by_role("button", name="Headers").click()
    page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror").click()
    page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {token}"}))
    page.locator(".graphiql-execute-button").click()

    result = page.locator(".graphiql-response")
    expect(result).to_contain_text('"username": "demo_customer"')
    # CodeMirror renders the visible lines only: the first feed entries.
    expect(result).to_contain_text('"edges": [')
    expect(result).to_contain_text('"content"')
    expect(result).to_contain_text('"author"')
    visit.assert_clean()
