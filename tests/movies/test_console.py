"""The movies console (/demo/movies/) in the system Chromium, against what `make run`
serves (tests/helpers/consoles.py): demo_customer finds a movie with a filtered search,
rates it with the stars and favorites it, and the recommendations (each with its reason)
are asked for again; trending; the cold start of an account registered on the spot; and
the page at phone width. Plus the page itself from the Django test client."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.core.browser import browser_fixture  # noqa: F401  (the `browser` fixture)
from tests.helpers.consoles import PHONE, WIDE, ConsoleVisit

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ACCOUNT = "demo_customer"
PERSONAL = re.compile(r"^because you (rated .+ \d\.\d|favorited .+)$")
# demo_customer has not rated it (movies/demo.py); the search finds it by its filters.
MOVIE = "Shrek"
FILTERS = {"search": "shrek", "genre": "animation", "year_min": "2001", "year_max": "2001"}


@pytest.fixture
def open_console(tabs) -> Callable[[dict[str, int]], ConsoleVisit]:
    def open_at(viewport: dict[str, int]) -> ConsoleVisit:
        visit = tabs(viewport)
        visit.open_console("movies", ACCOUNT)
        return visit

    return open_at


def test_rate_favorite_recommendations_trending_search_and_cold_start(open_console):
    visit = open_console(WIDE)
    page = visit.page

    # The account's recommendations, each with the API's reason.
    recommendations = page.locator("#recommendations-list .movie")
    expect(recommendations).to_have_count(10)
    visit.expect_logged("GET", "/api/v1/movies/recommendations/?page_size=10", 200)
    expect(page.locator("#recommendations-meta")).to_contain_text("Ranked by recommender model v")
    expect(recommendations.locator(".reason-text").first).to_have_text(PERSONAL)

    # Trending, from Nexus's own activity.
    expect(page.locator("#trending-list .movie")).to_have_count(6)
    visit.expect_logged("GET", "/api/v1/movies/trending/?source=nexus&page_size=6", 200)
    expect(page.locator("#trending-meta")).to_contain_text("over the last 7 days")

    # A filtered search: part of the title, a genre by slug, a range of years.
    form = page.locator("#search-form")
    form.get_by_label("Title contains").fill(FILTERS["search"])
    form.get_by_label("Genre").select_option(FILTERS["genre"])
    form.get_by_label("From year").fill(FILTERS["year_min"])
    form.get_by_label("To year").fill(FILTERS["year_max"])
    form.get_by_role("button", name="Search", exact=True).click()
    visit.expect_logged(
        "GET",
        "/api/v1/movies/movies/?search=shrek&genre=animation&year_min=2001&year_max=2001",
        200,
    )
    found = page.locator("#search-results .movie")
    expect(found).to_have_count(1)
    expect(found.locator(".title")).to_have_text(MOVIE)
    expect(found.locator(".year")).to_have_text("(2001)")
    expect(page.locator("#search-summary")).to_contain_text(
        "title contains “shrek”, genre Animation, years 2001\N{EN DASH}2001"
    )

    # Five stars, then a favorite: the row says so, the library lists it, and the
    # recommendations are asked for again and now follow the new taste.
    found.get_by_role("button", name="5 stars").click()
    visit.expect_logged("POST", "/api/v1/movies/ratings/", 201)
    expect(found.locator(".mine")).to_have_text("Your rating: 5.0")
    expect(found.locator("button.star[aria-pressed=true]")).to_have_count(5)
    found.get_by_role("button", name="♡ Favorite").click()
    visit.expect_logged("POST", "/api/v1/movies/favorites/", 201)
    expect(found.locator("button.fav")).to_have_attribute("aria-pressed", "true")
    expect(found.locator(".message")).to_have_text("Added to your favorites.")
    expect(page.locator("#ratings-list")).to_contain_text(f"{MOVIE} (2001) ★ 5.0")
    expect(page.locator("#favorites-list")).to_contain_text(f"♥ {MOVIE} (2001)")
    expect(recommendations.locator(".reason-text").filter(has_text=MOVIE).first).to_have_text(
        re.compile(rf"^because you (rated {MOVIE} 5\.0|favorited {MOVIE})$")
    )
    expect(
        recommendations.locator(".title").filter(has_text=re.compile(rf"^{MOVIE}$"))
    ).to_have_count(0)

    # The cold start: a fresh account with no history gets what is popular; favorite
    # genres steer it at once.
    cold = page.locator("#cold-start")
    cold.get_by_role("button", name="Register a new account").click()
    visit.expect_logged("POST", "/api/v1/auth/register/", 201)
    visit.expect_logged("GET", "/api/v1/movies/recommendations/?page_size=5", 200)
    expect(cold.locator("#cold-start-message")).to_contain_text(
        "with no ratings, favorites or preferences"
    )
    expect(cold.locator("#cold-start-list .reason-text")).to_have_count(5)
    for reason in cold.locator("#cold-start-list .reason-text").all_inner_texts():
        assert reason.startswith("popular"), reason
    cold.get_by_label("Comedy").check()
    cold.get_by_role("button", name="Save them").click()
    visit.expect_logged("PUT", "/api/v1/movies/preferences/", 200)
    expect(cold.locator("#cold-start-steered h3")).to_have_text("With favorite genres: Comedy")
    expect(cold.locator("#cold-start-steered .reason-text").first).to_have_text(
        "popular in Comedy, one of your favorite genres"
    )
    expect(page.locator("#session-user")).to_have_text(ACCOUNT)  # the console's own account

    visit.assert_clean()
    page.evaluate("window.scrollTo(0, 0)")
    visit.shot("movies-console-1280")

    # The same page on a phone: one column, nothing sideways.
    visit.resize(PHONE)
    expect(page.locator("#recommendations-list .reason-text")).to_have_count(10)
    expect(page.locator("#trending-list .movie")).to_have_count(6)
    visit.assert_clean()
    visit.shot("movies-console-390")
