"""The shop console (``/demo/shop/``) in the system Chromium, against what `make run`
serves (its demo catalog and accounts): a reviewer browses a category and searches,
pages on with "More", fills a cart and checks out, sends the checkout again with
"Pay twice" and gets the same order back, finds the order in the history and cancels it
with its transition button, sees a move that is not open refused with the API's 409;
then, as demo_staff, the low-stock list and a restock. Then the page on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.core.browser import browser_fixture  # noqa: F401  (the `browser` fixture)
from tests.helpers.consoles import PHONE, WIDE

PRODUCTS = "/api/v1/shop/products/"
CHECKOUT = "/api/v1/shop/cart/checkout/"


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_browse_buy_pay_twice_cancel_and_restock(tabs):
    visit = tabs(WIDE)
    page = visit.page
    visit.open_console("shop", "demo_customer")
    products = page.locator("#product-list .product")
    expect(products).to_have_count(10)
    visit.expect_logged("GET", f"{PRODUCTS}?page_size=10", 200)

    # keyset "More": the next page is appended
    page.locator("#product-list .more").click()
    expect(products).to_have_count(20)
    visit.expect_logged("GET", re.compile(r"/api/v1/shop/products/\?.*cursor="), 200)

    # a category from the tree, then a search inside it
    page.locator("#category-tree summary", has_text="Electronics").click()
    page.locator('#category-tree .category[data-slug="laptops"]').click()
    visit.expect_logged("GET", f"{PRODUCTS}?category=laptops&page_size=10", 200)
    expect(page.locator("#product-scope")).to_contain_text("in Laptops")
    expect(products.first.locator(".tag").first).to_have_text("Laptops")
    page.locator("#product-filters input[name=search]").fill("laptop")
    page.locator("#product-filters button[type=submit]").click()
    visit.expect_logged("GET", f"{PRODUCTS}?category=laptops&search=laptop&page_size=10", 200)
    expect(page.locator("#product-scope")).to_contain_text("matching “laptop”")
    found = products.filter(has=page.get_by_role("button", name="Add to cart")).first
    name = found.locator(".name").inner_text()
    assert "Laptop" in name

    # into the cart, then checkout
    found.get_by_role("button", name="Add to cart").click()
    visit.expect_logged("POST", "/api/v1/shop/cart/items/", 201)
    expect(found.locator(".message")).to_contain_text("In your cart")
    expect(page.locator("#cart-body")).to_contain_text(name)
    page.locator("#checkout").click()
    visit.expect_logged("POST", CHECKOUT, 201)
    summary = page.locator("#checkout-summary")
    expect(summary).to_contain_text("placed: pending")
    match = re.search(r"Order #(\d+)", summary.inner_text())
    assert match, summary.inner_text()
    order_id = match.group(1)
    expect(page.locator("#cart-empty")).to_be_visible()

    # the same checkout again, same Idempotency-Key: the same order comes back
    page.locator("#pay-twice").click()
    replay = page.locator("#replay-message")
    expect(replay).to_contain_text(f"Same order came back: #{order_id}")
    expect(replay).to_contain_text("Idempotent-Replayed: true")
    checkouts = page.locator('#request-log .entry[data-method="POST"]').filter(
        has=page.locator(".path", has_text=re.compile(re.escape(CHECKOUT) + "$"))
    )
    expect(checkouts).to_have_count(2)
    expect(checkouts.first).to_have_attribute("data-status", "201")
    expect(checkouts.first).to_contain_text("idempotent-replayed: true")
    expect(checkouts.nth(1)).not_to_contain_text("idempotent-replayed")

    # the history has it once, pending; its transition button cancels it
    order = page.locator(f'#order-list .order[data-order="{order_id}"]')
    expect(order).to_have_count(1)
    expect(order.locator(".status")).to_have_text("pending")
    expect(order).to_contain_text(name)
    order.locator('.moves button[data-move="cancelled"]').click()
    visit.expect_logged("POST", f"/api/v1/shop/orders/{order_id}/cancel/", 200)
    expect(order.locator(".status")).to_have_text("cancelled")
    expect(order.locator(".moves")).to_have_count(0)

    # a move that is not open: the API's 409 is on the order, as it came
    visit.expect_error(f"/api/v1/shop/orders/{order_id}/cancel/")
    order.locator(".try summary").click()
    order.locator('.try button[data-move="cancelled"]').click()
    visit.expect_logged("POST", f"/api/v1/shop/orders/{order_id}/cancel/", 409)
    refusal = order.locator(":scope > .message")
    expect(refusal).to_contain_text("409 illegal_transition")
    expect(refusal).to_contain_text("Allowed: none.")
    expect(order.locator(".status")).to_have_text("cancelled")

    # the staff view is explained to a customer
    expect(page.locator("#restock-body")).to_contain_text("Staff see the products")
    visit.assert_clean()
    visit.shot("shop-console-1280")

    # demo_staff: the low-stock list, and a restock takes a product off it
    visit.switch("demo_staff")
    visit.expect_logged("GET", f"{PRODUCTS}?low_stock=true&ordering=name&page_size=10", 200)
    low = page.locator("#restock-list .low-stock")
    expect(low.first).to_be_visible()
    for text in low.locator(".stock").all_inner_texts():
        left = int(text.split()[0])
        assert left < 5, text  # the demo products' threshold is the default, 5
    first = low.first
    first.get_by_role("button", name="Restock +20").click()
    expect(first.locator(".message")).to_contain_text("Restocked to")
    visit.expect_logged("PATCH", re.compile(r"/api/v1/shop/products/\d+/$"), 200)
    expect(page.locator("#orders-scope")).to_contain_text("Everyone's orders")
    visit.assert_clean()

    # The same page on a phone, back as the customer: one column, nothing sideways.
    visit.resize(PHONE)
    visit.switch("demo_customer")
    expect(page.locator("#product-list .product").first).to_be_visible()
    expect(page.locator("#order-list .order").first).to_be_visible()
    visit.assert_clean()
    visit.shot("shop-console-390")
