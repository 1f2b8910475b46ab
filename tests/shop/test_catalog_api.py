"""The catalog as a shopper and a store operator see it: the category tree, product
filters, full-text search, every ordering, keyset pages, caching that never shows a
stale price, ETags, and who may change what."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.cache.versioned import namespace_version
from shop.models import Category, Product
from shop.services.catalog import CATALOG_NAMESPACE, product_update
from shop.services.orders import order_place
from tests.helpers import assert_invalid, assert_problem, client_for
from tests.helpers.pages import ids as page_ids
from tests.helpers.pages import walk
from tests.shop.factories import (
    CATEGORIES,
    ORDERS,
    PRODUCTS,
    category_url,
    customer,
    ids,
    make_category,
    make_product,
    product_url,
    staff,
    stock_of,
)

pytestmark = pytest.mark.django_db


@dataclass
class Catalog:
    home: Category
    kitchen: Category
    pans: Category
    garden: Category
    skillet: Product
    dutch_oven: Product
    kettle: Product
    hose: Product
    retired: Product


@pytest.fixture
def catalog() -> Catalog:
    """home > kitchen > pans, and garden; four active products and an inactive one."""
    home = make_category("Home", slug="home")
    kitchen = make_category("Kitchen", slug="kitchen", parent=home)
    pans = make_category("Pans", slug="pans", parent=kitchen)
    garden = make_category("Garden", slug="garden")
    return Catalog(
        home=home,
        kitchen=kitchen,
        pans=pans,
        garden=garden,
        skillet=make_product(
            pans,
            name="Cast iron skillet",
            slug="skillet",
            description="Pre-seasoned, 26 cm, oven safe.",
            price="39.90",
            stock=5,
        ),
        dutch_oven=make_product(
            pans,
            name="Enamel cast iron pot",
            slug="dutch-oven",
            description="Enamelled Dutch oven for stews.",
            price="89.00",
            stock=0,
        ),
        kettle=make_product(
            kitchen,
            name="Steel kettle",
            slug="kettle",
            description="Boils water faster than cast iron.",
            price="25.00",
            stock=12,
        ),
        hose=make_product(
            garden, name="Garden hose", slug="hose", description="20 m.", price="19.99", stock=3
        ),
        retired=make_product(pans, name="Retired pan", slug="retired", is_active=False),
    )


def _tree_counts(tree: dict | list[dict]) -> dict[str, int]:
    """Each category's product count, from the tree's envelope or a node's children."""
    nodes = tree["results"] if isinstance(tree, dict) else tree
    counts: dict[str, int] = {}
    for node in nodes:
        counts[node["slug"]] = node["product_count"]
        counts.update(_tree_counts(node["children"]))
    return counts


# --- categories ------------------------------------------------------------------------


def test_category_tree_nests_children_and_counts_active_products_of_descendants(catalog):
    response = client_for().get(CATEGORIES)

    assert response.status_code == 200
    body = response.json()
    assert (body["next"], body["previous"]) == (None, None)  # one page: the whole tree
    tree = body["results"]
    assert [node["slug"] for node in tree] == ["home", "garden"]
    home = tree[0]
    assert [child["slug"] for child in home["children"]] == ["kitchen"]
    assert [child["slug"] for child in home["children"][0]["children"]] == ["pans"]
    assert home["children"][0]["children"][0]["parent"] == "kitchen"
    assert home["children"][0]["children"][0]["depth"] == 2
    # the inactive "retired" pan is not counted anywhere
    assert _tree_counts(tree) == {"home": 3, "kitchen": 3, "pans": 2, "garden": 1}


def test_category_detail_has_ancestors_root_first(catalog):
    response = client_for().get(category_url("pans"))

    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "pans"
    assert body["parent"] == "kitchen"
    assert body["product_count"] == 2
    assert body["children"] == []
    assert body["ancestors"] == [
        {"slug": "home", "name": "Home"},
        {"slug": "kitchen", "name": "Kitchen"},
    ]


def test_unknown_category_is_404(catalog):
    assert_problem(client_for().get(category_url("nope")), 404, "not_found")


def test_moving_a_category_rewrites_its_subtree_and_the_filter_follows(
    catalog, django_capture_on_commit_callbacks
):
    shopper = client_for(customer())
    before = shopper.get(PRODUCTS, {"category": "garden", "ordering": "price"})
    assert ids(before) == [catalog.hose.pk]  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        moved = client_for(staff()).patch(
            category_url("kitchen"), {"parent": "garden"}, format="json"
        )

    assert moved.status_code == 200, moved.content
    assert moved.json()["ancestors"] == [{"slug": "garden", "name": "Garden"}]
    catalog.pans.refresh_from_db()
    catalog.garden.refresh_from_db()
    assert catalog.pans.path == f"{catalog.garden.path}{catalog.kitchen.pk}/{catalog.pans.pk}/"
    assert catalog.pans.depth == 2
    after = shopper.get(PRODUCTS, {"category": "garden", "ordering": "price"})
    assert ids(after) == [
        catalog.hose.pk,
        catalog.kettle.pk,
        catalog.skillet.pk,
        catalog.dutch_oven.pk,
    ]
    assert ids(shopper.get(PRODUCTS, {"category": "home"})) == []
    assert shopper.get(category_url("pans")).json()["ancestors"] == [
        {"slug": "garden", "name": "Garden"},
        {"slug": "kitchen", "name": "Kitchen"},
    ]
    assert _tree_counts(shopper.get(CATEGORIES).json()) == {
        "home": 0,
        "garden": 4,
        "kitchen": 3,
        "pans": 2,
    }


def test_moving_a_category_to_the_top_level(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff()).patch(
            category_url("kitchen"), {"parent": None}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["ancestors"] == []
    assert response.json()["depth"] == 0
    catalog.pans.refresh_from_db()
    assert catalog.pans.path == f"/{catalog.kitchen.pk}/{catalog.pans.pk}/"
    assert catalog.pans.depth == 1


@pytest.mark.parametrize("new_parent", ["pans", "kitchen"])
def test_a_category_cannot_move_under_itself_or_its_descendants(catalog, new_parent):
    paths = dict(Category.objects.values_list("slug", "path"))

    response = client_for(staff()).patch(
        category_url("kitchen"), {"parent": new_parent}, format="json"
    )

    assert_invalid(response, "parent")
    assert dict(Category.objects.values_list("slug", "path")) == paths


@pytest.mark.parametrize("slug", ["pans", "kitchen"])  # has products / has a subcategory
def test_deleting_a_non_empty_category_is_409(catalog, slug):
    response = client_for(staff()).delete(category_url(slug))

    body = assert_problem(response, 409, "category_not_empty")
    assert slug in body["detail"]
    assert Category.objects.count() == 4


def test_deleting_an_empty_category(catalog, django_capture_on_commit_callbacks):
    make_category("Attic", slug="attic", parent=catalog.home)
    client = client_for(staff())
    assert "attic" in [c["slug"] for c in client.get(CATEGORIES).json()["results"][0]["children"]]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(category_url("attic"))

    assert response.status_code == 204
    assert not Category.objects.filter(slug="attic").exists()
    home = client.get(CATEGORIES).json()["results"][0]
    assert [c["slug"] for c in home["children"]] == ["kitchen"]


def test_the_tree_keeps_creation_order_when_the_ids_gain_a_digit(catalog):
    from django.db import connection

    first = make_category("Zeta", slug="zeta")
    # The next id has one digit more than the first's: "/1000/" sorts before "/57/".
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('shop_category', 'id'), %s)",
            [10 ** len(str(first.pk)) - 1],
        )
    second = make_category("Alpha", slug="alpha", parent=None)
    make_category("Alpha child", slug="alpha-child", parent=second)

    tree = client_for().get(CATEGORIES).json()["results"]

    assert [root["slug"] for root in tree] == ["home", "garden", "zeta", "alpha"]
    assert [child["slug"] for child in tree[3]["children"]] == ["alpha-child"]


def test_category_slug_is_unique(catalog):
    response = client_for(staff()).post(
        CATEGORIES, {"name": "Pans 2", "slug": "pans"}, format="json"
    )

    assert_invalid(response, "slug")
    assert Category.objects.count() == 4


# --- authorization matrix for catalog writes --------------------------------------------


def _catalog_snapshot() -> tuple:
    return (
        list(Category.objects.order_by("pk").values_list("pk", "slug", "name", "path", "parent")),
        list(
            Product.objects.order_by("pk").values_list(
                "pk", "slug", "name", "price", "stock", "is_active", "category"
            )
        ),
    )


CATALOG_WRITES = {
    "category-create": ("post", lambda c: CATEGORIES, {"name": "Tools", "slug": "tools"}, 201),
    "category-update": ("patch", lambda c: category_url("pans"), {"name": "Skillets"}, 200),
    "category-delete": ("delete", lambda c: category_url("empty"), None, 204),
    "product-create": (
        "post",
        lambda c: PRODUCTS,
        {"category": "pans", "name": "Wok", "slug": "wok", "sku": "WOK-1", "price": "30.00"},
        201,
    ),
    "product-update": ("patch", lambda c: product_url(c.skillet.pk), {"price": "1.00"}, 200),
    "product-delete": ("delete", lambda c: product_url(c.hose.pk), None, 204),
}


@pytest.mark.parametrize("operation", CATALOG_WRITES)
@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("anonymous", 401, "not_authenticated"), ("customer", 403, "permission_denied")],
)
def test_catalog_writes_are_refused_to_non_staff_and_change_nothing(
    catalog, operation, who, status, code
):
    make_category("Empty", slug="empty")
    method, url, body, _ = CATALOG_WRITES[operation]
    client = client_for(customer() if who == "customer" else None)
    before = _catalog_snapshot()

    response = getattr(client, method)(url(catalog), body, format="json")

    assert_problem(response, status, code)
    assert _catalog_snapshot() == before


@pytest.mark.parametrize("operation", CATALOG_WRITES)
def test_staff_may_write_the_catalog(catalog, operation):
    make_category("Empty", slug="empty")
    method, url, body, status = CATALOG_WRITES[operation]
    before = _catalog_snapshot()

    response = getattr(client_for(staff()), method)(url(catalog), body, format="json")

    assert response.status_code == status, response.content
    assert _catalog_snapshot() != before


def test_staff_creates_a_product_and_shoppers_see_it(catalog, django_capture_on_commit_callbacks):
    shopper = client_for()
    assert len(ids(shopper.get(PRODUCTS))) == 4  # cached

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff()).post(
            PRODUCTS,
            {
                "category": "pans",
                "name": "Carbon steel wok",
                "slug": "wok",
                "sku": "WOK-1",
                "price": "30.5",
                "stock": 4,
                "image_urls": ["https://img.example.test/wok.jpg"],
            },
            format="json",
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["price"] == "30.50"
    assert body["currency"] == "EUR"
    assert body["category"] == {"slug": "pans", "name": "Pans"}
    assert body["is_active"] is True
    assert ids(shopper.get(PRODUCTS, {"category": "pans", "ordering": "price"})) == [
        body["id"],
        catalog.skillet.pk,
        catalog.dutch_oven.pk,
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "skillet"}, "slug"),
        ({"sku": "SKU-dupe"}, "sku"),
        ({"price": "-1.00"}, "price"),
        ({"price": "abc"}, "price"),
        ({"stock": -1}, "stock"),
        ({"category": "no-such-category"}, "category"),
        ({"currency": "euro"}, "currency"),
        ({"image_urls": ["javascript:alert(1)"]}, "image_urls.0"),
    ],
)
def test_invalid_product_writes_are_400_and_change_nothing(catalog, body, field):
    make_product(catalog.pans, sku="SKU-dupe")
    before = _catalog_snapshot()
    data = {"category": "pans", "name": "Wok", "slug": "wok", "sku": "WOK-1", "price": "30.00"}

    response = client_for(staff()).post(PRODUCTS, {**data, **body}, format="json")

    assert_invalid(response, field)
    assert _catalog_snapshot() == before


# --- the product list: shape and filters ---------------------------------------------


def test_list_items_carry_the_catalog_fields(catalog):
    response = client_for().get(PRODUCTS, {"ordering": "price", "page_size": 1})

    assert response.status_code == 200
    item = response.json()["results"][0]
    assert item["id"] == catalog.hose.pk
    assert item["slug"] == "hose"
    assert item["name"] == "Garden hose"
    assert item["price"] == "19.99"
    assert item["currency"] == "EUR"
    assert item["stock"] == 3
    assert item["category"] == {"slug": "garden", "name": "Garden"}
    assert set(response.json()) == {"results", "next", "previous"}  # no count on this list


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["hose", "kettle", "skillet", "dutch_oven"]),
        ({"category": "home"}, ["kettle", "skillet", "dutch_oven"]),
        ({"category": "kitchen"}, ["kettle", "skillet", "dutch_oven"]),
        ({"category": "pans"}, ["skillet", "dutch_oven"]),
        ({"category": "garden"}, ["hose"]),
        ({"min_price": "25.00"}, ["kettle", "skillet", "dutch_oven"]),
        ({"max_price": "25"}, ["hose", "kettle"]),
        ({"min_price": "20", "max_price": "40"}, ["kettle", "skillet"]),
        ({"min_price": "39.90", "max_price": "39.90"}, ["skillet"]),
        ({"in_stock": "true"}, ["hose", "kettle", "skillet"]),
        ({"in_stock": "false"}, ["dutch_oven"]),
        ({"category": "home", "in_stock": "true", "max_price": "30"}, ["kettle"]),
        ({"category": "pans", "min_price": "100"}, []),
    ],
)
def test_filters_are_honoured(catalog, params, expected):
    response = client_for().get(PRODUCTS, {**params, "ordering": "price"})

    assert response.status_code == 200
    assert ids(response) == [getattr(catalog, name).pk for name in expected]
    assert response.json()["next"] is None


def test_staff_also_see_inactive_products(catalog):
    response = client_for(staff()).get(PRODUCTS, {"category": "pans", "ordering": "price"})

    assert ids(response) == [catalog.retired.pk, catalog.skillet.pk, catalog.dutch_oven.pk]
    assert ids(client_for(customer()).get(PRODUCTS, {"category": "pans", "ordering": "price"})) == [
        catalog.skillet.pk,
        catalog.dutch_oven.pk,
    ]


# --- search ---------------------------------------------------------------------------


def test_search_matches_name_and_description_and_ranks_the_name_higher(catalog):
    response = client_for().get(PRODUCTS, {"search": "cast iron", "ordering": "relevance"})

    assert response.status_code == 200
    found = ids(response)
    # two products have it in their name, the kettle only in its description
    assert sorted(found[:2]) == sorted([catalog.skillet.pk, catalog.dutch_oven.pk])
    assert found[2:] == [catalog.kettle.pk]


def test_search_understands_web_search_syntax(catalog):
    aluminium = make_product(
        catalog.pans, name="Cast aluminium pan", description="With an iron handle.", stock=1
    )
    client = client_for()

    words = ids(client.get(PRODUCTS, {"search": "cast iron", "ordering": "price"}))
    phrase = ids(client.get(PRODUCTS, {"search": '"cast iron"', "ordering": "price"}))
    excluded = ids(client.get(PRODUCTS, {"search": '"cast iron" -enamel', "ordering": "price"}))
    either = ids(client.get(PRODUCTS, {"search": "hose or kettle", "ordering": "price"}))

    assert words == [aluminium.pk, catalog.kettle.pk, catalog.skillet.pk, catalog.dutch_oven.pk]
    assert phrase == [catalog.kettle.pk, catalog.skillet.pk, catalog.dutch_oven.pk]
    assert excluded == [catalog.kettle.pk, catalog.skillet.pk]
    assert either == [catalog.hose.pk, catalog.kettle.pk]


def test_search_stems_words_and_ignores_inactive_products(catalog):
    response = client_for().get(PRODUCTS, {"search": "pans", "ordering": "price"})

    # "pan" appears only in the inactive product's name
    assert ids(response) == []
    assert ids(client_for().get(PRODUCTS, {"search": "boiling", "ordering": "price"})) == [
        catalog.kettle.pk
    ]


def test_search_sees_a_renamed_product_at_once(catalog, django_capture_on_commit_callbacks):
    client = client_for()
    assert ids(client.get(PRODUCTS, {"search": "copper"})) == []  # cached

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff()).patch(
            product_url(catalog.kettle.pk),
            {"name": "Copper kettle", "description": "Hand hammered."},
            format="json",
        )

    assert response.status_code == 200
    assert ids(client.get(PRODUCTS, {"search": "copper"})) == [catalog.kettle.pk]
    assert ids(client.get(PRODUCTS, {"search": "cast iron", "ordering": "price"})) == [
        catalog.skillet.pk,
        catalog.dutch_oven.pk,
    ]


def test_search_with_no_match_is_an_empty_page(catalog):
    response = client_for().get(PRODUCTS, {"search": "trampoline"})

    assert response.status_code == 200
    assert response.json() == {"results": [], "next": None, "previous": None}


# --- ordering and keyset pages ---------------------------------------------------------

ORDERING_KEYS = {
    "price": ("price", False),
    "-price": ("price", True),
    "created": ("created_at", False),
    "-created": ("created_at", True),
    "name": ("name", False),
    "-name": ("name", True),
    "popularity": ("popularity", False),
    "-popularity": ("popularity", True),
}


@pytest.fixture
def shelf() -> list[Product]:
    """Nine products with ties on price, name and popularity (the id breaks them)."""
    category = make_category("Shelf", slug="shelf")
    rows = [
        ("delta", "5.00", 3),
        ("alpha", "3.00", 0),
        ("charlie", "5.00", 7),
        ("alpha", "1.00", 3),
        ("bravo", "3.00", 7),
        ("echo", "5.00", 0),
        ("charlie", "2.00", 3),
        ("bravo", "5.00", 1),
        ("foxtrot", "3.00", 7),
    ]
    products = [make_product(category, name=name, price=price, stock=1) for name, price, _ in rows]
    for product, (_, _, popularity) in zip(products, rows, strict=True):
        Product.objects.filter(pk=product.pk).update(popularity=popularity)
    return products


def _expected_order(ordering: str) -> list[int]:
    field, descending = ORDERING_KEYS[ordering]
    rows = list(Product.objects.filter(is_active=True).values_list(field, "pk"))
    return [pk for _, pk in sorted(rows, reverse=descending)]


def _follow(client, params: dict) -> tuple[list[int], int]:
    """Every id of the list, following ``next`` to the end; and how many pages."""
    seen: list[int] = []
    response = client.get(PRODUCTS, params)
    pages = 0
    while True:
        assert response.status_code == 200, response.content
        pages += 1
        seen += ids(response)
        if response.json()["next"] is None:
            return seen, pages
        response = client.get(response.json()["next"])


@pytest.mark.parametrize("ordering", ORDERING_KEYS)
def test_every_ordering_pages_through_every_product_once_in_order(shelf, ordering):
    client = client_for()
    expected = _expected_order(ordering)
    assert len(expected) == 9

    whole = ids(client.get(PRODUCTS, {"ordering": ordering, "page_size": 100}))
    paged, pages = _follow(client, {"ordering": ordering, "page_size": 2})

    assert whole == expected
    assert paged == expected
    assert pages == 5


@pytest.mark.parametrize("ordering", ORDERING_KEYS)
def test_every_ordering_pages_back_with_previous_to_the_same_pages(shelf, ordering):
    pages = walk(client_for(), f"http://testserver{PRODUCTS}?ordering={ordering}&page_size=2")

    assert [len(page["results"]) for page in pages] == [2, 2, 2, 2, 1]
    assert page_ids(pages) == _expected_order(ordering)


def test_default_ordering_is_newest_first(shelf):
    response = client_for().get(PRODUCTS)

    assert ids(response) == _expected_order("-created")


def test_default_page_size_is_20_and_next_keeps_the_filters(shelf):
    category = Category.objects.get(slug="shelf")
    extra = [make_product(category, price="4.00", stock=1) for _ in range(16)]
    client = client_for()

    first = client.get(PRODUCTS, {"category": "shelf", "ordering": "price"})

    assert len(ids(first)) == 20
    query = parse_qs(urlsplit(first.json()["next"]).query)
    assert query["category"] == ["shelf"]
    assert query["ordering"] == ["price"]
    second = client.get(first.json()["next"])
    assert len(ids(second)) == 5
    assert second.json()["next"] is None
    assert sorted(ids(first) + ids(second)) == sorted(p.pk for p in shelf + extra)


def test_a_page_is_stable_when_products_are_added_before_it(
    shelf, django_capture_on_commit_callbacks
):
    client = client_for()
    first = client.get(PRODUCTS, {"ordering": "price", "page_size": 3})
    expected_rest = _expected_order("price")[3:]

    with django_capture_on_commit_callbacks(execute=True):
        make_product(Category.objects.get(slug="shelf"), price="0.50", stock=1)

    rest, _ = _follow(client, {"ordering": "price", "page_size": 3, "cursor": _cursor(first)})
    assert rest == expected_rest


def _cursor(response) -> str:
    return parse_qs(urlsplit(response.json()["next"]).query)["cursor"][0]


def test_relevance_pages_follow_the_rank(catalog):
    client = client_for()
    expected = ids(client.get(PRODUCTS, {"search": "cast iron", "ordering": "relevance"}))

    paged, pages = _follow(client, {"search": "cast iron", "ordering": "relevance", "page_size": 1})
    url = f"http://testserver{PRODUCTS}?search=cast+iron&ordering=relevance&page_size=1"
    both_ways = walk(client, url)  # back from the last page by rank, too

    assert paged == expected
    assert pages == 3
    assert page_ids(both_ways) == expected


def test_a_cursor_made_for_another_ordering_is_400(shelf):
    client = client_for()
    cursor = _cursor(client.get(PRODUCTS, {"ordering": "price", "page_size": 2}))

    response = client.get(PRODUCTS, {"ordering": "name", "page_size": 2, "cursor": cursor})

    assert_invalid(response, "cursor")


# --- bad parameters -------------------------------------------------------------------


def _crafted_cursor(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"colour": "red"}, "colour"),
        ({"min_price": "abc"}, "min_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"max_price": "1.2.3"}, "max_price"),
        ({"min_price": "50", "max_price": "10"}, "max_price"),
        ({"ordering": "stock"}, "ordering"),
        ({"ordering": "relevance"}, "ordering"),
        ({"category": "no-such-category"}, "category"),
        ({"category": "not a slug!"}, "category"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"search": "x" * 201}, "search"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": _crafted_cursor({"v": 1, "i": -1, "o": "-created"})}, "cursor"),
        ({"cursor": _crafted_cursor({"v": "soon", "i": 5, "o": "-created"})}, "cursor"),
        (
            {"cursor": _crafted_cursor({"v": "NaN", "i": 5, "o": "price"}), "ordering": "price"},
            "cursor",
        ),
        ({"cursor": _crafted_cursor([1, 2])}, "cursor"),
        pytest.param(
            {"cursor": _crafted_cursor({"v": None, "i": 5, "o": "-created"})},
            "cursor",
            id="cursor-null-created",
        ),
        pytest.param(
            {"cursor": _crafted_cursor({"v": None, "i": 5, "o": "price"}), "ordering": "price"},
            "cursor",
            id="cursor-null-price",
        ),
        pytest.param(
            {"cursor": _crafted_cursor({"v": "a\u0000b", "i": 5, "o": "name"}), "ordering": "name"},
            "cursor",
            id="cursor-nul-name",
        ),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-1"}, "page_size"),
        ({"page_size": "abc"}, "page_size"),
        pytest.param(
            {"page_size": "101"},
            "page_size",
            id="page_size-101",
        ),
    ],
)
def test_each_bad_list_parameter_is_a_400_naming_it(catalog, params, parameter):
    response = client_for().get(PRODUCTS, params)

    assert_invalid(response, parameter)


def test_bad_ordering_names_the_allowed_values(catalog):
    body = assert_invalid(client_for().get(PRODUCTS, {"ordering": "stock"}), "ordering")

    message = body["errors"]["ordering"][0]["message"]
    for allowed in ORDERING_KEYS:
        assert allowed in message
    assert "relevance" in message


def test_unknown_parameter_names_the_allowed_ones(catalog):
    body = assert_invalid(client_for().get(PRODUCTS, {"colour": "red"}), "colour")

    message = body["errors"]["colour"][0]["message"]
    for allowed in ("category", "min_price", "max_price", "in_stock", "search", "ordering"):
        assert allowed in message


# --- detail, caching, ETags ---------------------------------------------------------------


def test_product_detail(catalog):
    response = client_for().get(product_url(catalog.skillet.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == catalog.skillet.pk
    assert body["price"] == "39.90"
    assert body["stock"] == 5
    assert body["description"] == "Pre-seasoned, 26 cm, oven safe."
    assert body["category"] == {"slug": "pans", "name": "Pans"}


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_inactive_product_is_404_except_for_staff(catalog, who):
    client = client_for(customer() if who == "customer" else None)

    assert_problem(client.get(product_url(catalog.retired.pk)), 404, "not_found")
    staff_view = client_for(staff()).get(product_url(catalog.retired.pk))
    assert staff_view.status_code == 200
    assert staff_view.json()["is_active"] is False
    # and the staff answer was not cached for shoppers
    assert_problem(client.get(product_url(catalog.retired.pk)), 404, "not_found")


def test_unknown_product_is_404(catalog):
    assert_problem(client_for().get(product_url(999_999)), 404, "not_found")


def test_a_price_change_shows_at_once_in_the_cached_list_and_detail(
    catalog, django_capture_on_commit_callbacks
):
    shopper = client_for(customer())
    listed = shopper.get(PRODUCTS, {"ordering": "price"})
    assert ids(listed) == [
        catalog.hose.pk,
        catalog.kettle.pk,
        catalog.skillet.pk,
        catalog.dutch_oven.pk,
    ]
    assert shopper.get(product_url(catalog.hose.pk)).json()["price"] == "19.99"

    with django_capture_on_commit_callbacks(execute=True):
        changed = client_for(staff()).patch(
            product_url(catalog.hose.pk), {"price": "99.00"}, format="json"
        )

    assert changed.status_code == 200
    assert changed.json()["price"] == "99.00"
    after = shopper.get(PRODUCTS, {"ordering": "price"})
    assert ids(after) == [
        catalog.kettle.pk,
        catalog.skillet.pk,
        catalog.dutch_oven.pk,
        catalog.hose.pk,
    ]
    assert after.json()["results"][-1]["price"] == "99.00"
    assert shopper.get(product_url(catalog.hose.pk)).json()["price"] == "99.00"
    assert ids(shopper.get(PRODUCTS, {"max_price": "20"})) == []


def test_a_deactivated_product_disappears_from_the_cached_list_and_detail(
    catalog, django_capture_on_commit_callbacks
):
    shopper = client_for(customer())
    assert catalog.kettle.pk in ids(shopper.get(PRODUCTS))
    assert shopper.get(product_url(catalog.kettle.pk)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff()).patch(
            product_url(catalog.kettle.pk), {"is_active": False}, format="json"
        )

    assert response.status_code == 200
    assert catalog.kettle.pk not in ids(shopper.get(PRODUCTS))
    assert_problem(shopper.get(product_url(catalog.kettle.pk)), 404, "not_found")
    assert _tree_counts(shopper.get(CATEGORIES).json())["kitchen"] == 2


def test_a_deleted_product_disappears_from_the_cached_list(
    catalog, django_capture_on_commit_callbacks
):
    shopper = client_for(customer())
    assert catalog.hose.pk in ids(shopper.get(PRODUCTS))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff()).delete(product_url(catalog.hose.pk))

    assert response.status_code == 204
    assert catalog.hose.pk not in ids(shopper.get(PRODUCTS))
    assert_problem(shopper.get(product_url(catalog.hose.pk)), 404, "not_found")


def _product_queries(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if '"shop_product"' in q["sql"]]


def test_a_sale_shows_live_stock_without_invalidating_the_cached_list(
    catalog, eager, django_capture_on_commit_callbacks
):
    shopper = client_for(customer())
    params = {"ordering": "price"}
    before = shopper.get(PRODUCTS, params)
    assert before.json()["results"][1]["stock"] == 12  # the kettle; the list is now cached
    assert shopper.get(product_url(catalog.kettle.pk)).json()["stock"] == 12
    version = namespace_version(CATALOG_NAMESPACE)

    with django_capture_on_commit_callbacks(execute=True):
        sold = client_for(customer()).post(
            ORDERS, {"items": [{"product": catalog.kettle.pk, "quantity": 5}]}, format="json"
        )

    assert sold.status_code == 201
    assert namespace_version(CATALOG_NAMESPACE) == version  # nothing invalidated
    with CaptureQueriesContext(connection) as queries:
        after = shopper.get(PRODUCTS, params)
    # served from the cache: the only product query is the live stock read
    assert len(_product_queries(queries)) == 1
    assert after.json()["results"][1]["id"] == catalog.kettle.pk
    assert after.json()["results"][1]["stock"] == 7
    assert [item["stock"] for item in after.json()["results"]] == [3, 7, 5, 0]
    assert shopper.get(product_url(catalog.kettle.pk)).json()["stock"] == 7
    assert stock_of(catalog.kettle) == 7


def test_in_stock_filter_is_honoured_after_a_sale_on_a_cached_list(
    catalog, eager, django_capture_on_commit_callbacks
):
    """The hose sells out after the in-stock list was cached: it must not be listed as
    in stock (with stock 0), and the out-of-stock list must show it."""
    shopper = client_for()
    assert ids(shopper.get(PRODUCTS, {"in_stock": "true", "ordering": "price"})) == [
        catalog.hose.pk,
        catalog.kettle.pk,
        catalog.skillet.pk,
    ]
    assert ids(shopper.get(PRODUCTS, {"in_stock": "false", "ordering": "price"})) == [
        catalog.dutch_oven.pk
    ]

    with django_capture_on_commit_callbacks(execute=True):
        sold = client_for(customer()).post(
            ORDERS, {"items": [{"product": catalog.hose.pk, "quantity": 3}]}, format="json"
        )

    assert sold.status_code == 201
    assert stock_of(catalog.hose) == 0
    in_stock = shopper.get(PRODUCTS, {"in_stock": "true", "ordering": "price"})
    out_of_stock = shopper.get(PRODUCTS, {"in_stock": "false", "ordering": "price"})
    assert ids(in_stock) == [catalog.kettle.pk, catalog.skillet.pk]
    assert ids(out_of_stock) == [catalog.hose.pk, catalog.dutch_oven.pk]


def test_list_etag_gives_304_until_the_content_changes(
    catalog, eager, django_capture_on_commit_callbacks
):
    client = client_for()
    first = client.get(PRODUCTS, {"ordering": "price"})
    etag = first["ETag"]
    assert etag

    again = client.get(PRODUCTS, {"ordering": "price"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    with django_capture_on_commit_callbacks(execute=True):
        order_place(user=customer(), lines=[(catalog.hose.pk, 1)])
    changed = client.get(PRODUCTS, {"ordering": "price"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["results"][0]["stock"] == 2


def test_detail_etag_gives_304_until_the_price_changes(catalog, django_capture_on_commit_callbacks):
    client = client_for()
    url = product_url(catalog.skillet.pk)
    etag = client.get(url)["ETag"]

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        product_update(product=catalog.skillet, data={"price": Decimal("35.00")})
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["price"] == "35.00"


def test_category_tree_etag_gives_304(catalog):
    client = client_for()
    etag = client.get(CATEGORIES)["ETag"]

    assert client.get(CATEGORIES, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_shop_index_links_every_collection():
    response = client_for().get("/api/v1/shop/")

    assert response.status_code == 200
    body = response.json()
    assert body["domain"] == "shop"
    assert "variant" not in body["summary"].lower()  # promised nothing it does not build
    assert {
        name: url.removeprefix("http://testserver") for name, url in body["resources"].items()
    } == {
        "categories": CATEGORIES,
        "products": PRODUCTS,
        "cart": "/api/v1/shop/cart/",
        "cart-items": "/api/v1/shop/cart/items/",
        "checkout": "/api/v1/shop/cart/checkout/",
        "orders": ORDERS,
        "payment-webhook": "/api/v1/shop/payments/webhook/",
    }


def test_the_fast_product_payload_matches_the_documented_serializer():
    from shop.api.serializers import ProductSerializer, product_payload
    from shop.models import Product

    root = make_category("Payload root", slug="payload-root")
    made = make_product(root, price="1234.50", stock=7)
    Product.objects.filter(pk=made.pk).update(image_urls=["https://img.example/a.png"])
    product = Product.objects.select_related("category").get(pk=made.pk)

    assert product_payload(product) == ProductSerializer(product).data
