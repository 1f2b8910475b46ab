"""Shop demo data and catalogs at scale, generated from the word lists below.

Nothing is downloaded and nothing is random between runs: every name, price and
stock figure comes from a ``random.Random`` seeded with a fixed string, so two
runs produce the same catalog.

- ``demo_seed`` (the ``seed_demo`` hook): a three-level category tree (6 / 15 /
  35), about 150 products and, for ``demo_customer``, a cart and two orders.
  Categories, products and orders go through the services; safe to run twice.
- ``catalog_seed`` (``manage.py seed_shop``): the same tree replicated to any
  number of leaves and up to millions of products in bulk (PostgreSQL COPY or
  ``bulk_create``), for benchmarks.
"""

from __future__ import annotations

import io
import json
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from core import cache as core_cache
from shop.models import CartItem, Category, Order, OrderStatus, PaymentMethod, Product
from shop.services.cart import cart_item_add
from shop.services.catalog import CATALOG_NAMESPACE, category_create, product_create
from shop.services.orders import order_place, order_transition

# --- word lists -----------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of product in a leaf: what it is called, what it costs, what it has."""

    noun: str
    low: int  # typical price range in EUR
    high: int
    features: tuple[str, ...]  # phrases ("a 1 TB SSD"); for titled goods, blurbs


@dataclass(frozen=True)
class Leaf:
    name: str
    code: str  # three letters, part of the demo SKUs
    kinds: tuple[Kind, ...]
    titles: tuple[tuple[str, str], ...] = ()  # (title, blurb): books with fixed titles
    style: str = ""  # overrides the department's naming style


@dataclass(frozen=True)
class Department:
    name: str
    description: str
    brands: tuple[str, ...]  # or publishers
    adjectives: tuple[str, ...]
    closers: tuple[str, ...]  # optional last sentences, true of anything in the department
    mids: tuple[tuple[str, tuple[Leaf, ...]], ...]
    # "book": "The Silent Harbour" by an author; "game": "Iron Tides: Strategy Game".
    style: str = "brand"


def _kind(noun: str, low: int, high: int, *features: str) -> Kind:
    return Kind(noun, low, high, features)


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "Electronics",
        "Computers, audio and phones from brands that publish repair manuals.",
        ("Voltera", "Nordlys", "Kestrel", "Lumio", "Arcwave"),
        ("lightweight", "quiet", "fast", "well-built", "efficient", "compact"),
        (
            "Two-year warranty and free returns within 30 days.",
            "Spare parts are available for seven years.",
            "Ships in recycled cardboard, without plastic.",
        ),
        (
            (
                "Computers",
                (
                    Leaf("Laptops", "LAP", (
                        _kind("Laptop", 449, 1899, "a 14-inch anti-glare display",
                              "all-day battery life", "a backlit keyboard", "a 1 TB SSD"),
                        _kind("Ultrabook", 799, 2299, "a magnesium chassis under 1.2 kg",
                              "two Thunderbolt ports", "a 2.8K OLED display", "32 GB of memory"),
                    )),
                    Leaf("Monitors", "MON", (
                        _kind("Monitor", 129, 399, "a 27-inch IPS panel",
                              "a height-adjustable stand", "a 144 Hz refresh rate"),
                        _kind("4K Monitor", 299, 899, "USB-C power delivery",
                              "factory colour calibration", "a built-in KVM switch"),
                    )),
                    Leaf("Keyboards & Mice", "KEY", (
                        _kind("Mechanical Keyboard", 59, 189, "hot-swappable switches",
                              "a three-device Bluetooth toggle", "an aluminium frame"),
                        _kind("Wireless Mouse", 19, 99, "a six-month battery", "a silent click",
                              "an ergonomic right-handed shape"),
                    )),
                ),
            ),
            (
                "Audio",
                (
                    Leaf("Headphones", "HPH", (
                        _kind("Noise-Cancelling Headphones", 99, 399, "active noise cancelling",
                              "30 hours of playback", "memory-foam ear cushions"),
                        _kind("Wireless Earbuds", 29, 249, "a pocket-sized charging case",
                              "multipoint Bluetooth", "sweat-resistant buds"),
                    )),
                    Leaf("Speakers", "SPK", (
                        _kind("Bluetooth Speaker", 39, 249, "a waterproof fabric shell",
                              "a 12-hour battery", "a stereo pairing mode"),
                        _kind("Soundbar", 149, 699, "an HDMI eARC input", "a wireless subwoofer",
                              "a night mode that keeps dialogue clear"),
                    )),
                ),
            ),
            (
                "Phones & Tablets",
                (
                    Leaf("Smartphones", "PHN", (
                        _kind("Smartphone", 149, 1299, "a 6.1-inch OLED screen",
                              "a 50 MP main camera", "five years of security updates",
                              "a replaceable battery"),
                    )),
                    Leaf("Tablets", "TAB", (
                        _kind("Tablet", 199, 999, "an 11-inch 120 Hz display",
                              "a pressure-sensitive stylus", "a magnetic keyboard cover"),
                        _kind("E-Reader", 99, 279, "a glare-free e-ink screen",
                              "weeks of battery life", "a warm front light"),
                    )),
                ),
            ),
        ),
    ),
    Department(
        "Home & Kitchen",
        "Cookware, furniture and bedding made to be used every day for years.",
        ("Hearthly", "Casa Verde", "Fjordhus", "Copperleaf", "Maison Ortel"),
        ("sturdy", "elegant", "practical", "timeless", "hand-finished"),
        ("Free delivery and 30-day returns.", "Ten-year guarantee."),
        (
            (
                "Kitchen",
                (
                    Leaf("Cookware", "CKW", (
                        _kind("Frying Pan", 19, 119, "a tri-ply stainless steel body",
                              "an induction-ready base", "a riveted stay-cool handle"),
                        _kind("Cast-Iron Casserole", 59, 289, "an enamelled interior",
                              "a self-basting lid", "oven-safe handles up to 260 °C"),
                        _kind("Carbon-Steel Wok", 25, 89, "a pre-seasoned surface",
                              "a flat base for induction", "a helper handle"),
                    )),
                    Leaf("Kitchen Knives", "KNF", (
                        _kind("Chef's Knife", 29, 249, "a hand-sharpened 15° edge",
                              "a full-tang olive-wood handle", "Damascus-pattern steel"),
                        _kind("Knife Block Set", 79, 399, "five forged knives",
                              "a magnetic oak block", "a honing steel"),
                    )),
                    Leaf("Coffee Makers", "COF", (
                        _kind("Espresso Machine", 199, 799, "a 15-bar pump",
                              "a steam wand for milk", "a PID-controlled boiler"),
                        _kind("Pour-Over Kettle", 29, 149, "a gooseneck spout",
                              "temperature control to the degree", "a keep-warm mode"),
                        _kind("Burr Grinder", 49, 349, "40 grind settings",
                              "conical steel burrs", "a low-retention chute"),
                    )),
                ),
            ),
            (
                "Furniture",
                (
                    Leaf("Office Chairs", "CHR", (
                        _kind("Ergonomic Office Chair", 189, 899, "adjustable lumbar support",
                              "a breathable mesh back", "4D armrests", "a synchronised tilt"),
                        _kind("Task Chair", 89, 249, "a padded seat", "a compact footprint",
                              "soft castors for hard floors"),
                    )),
                    Leaf("Desks", "DSK", (
                        _kind("Standing Desk", 299, 1199, "dual motors and four height presets",
                              "a cable tray", "a 120 kg load capacity"),
                        _kind("Writing Desk", 129, 599, "a solid oak top", "two soft-close drawers",
                              "tapered beech legs"),
                    )),
                ),
            ),
            (
                "Bedding",
                (
                    Leaf("Bed Linen", "LIN", (
                        _kind("Duvet Cover Set", 49, 189, "stonewashed European flax",
                              "hidden button closures", "two matching pillowcases"),
                        _kind("Fitted Sheet", 19, 79, "300-thread-count percale",
                              "deep pockets for thick mattresses", "elastic all round"),
                    )),
                    Leaf("Pillows", "PIL", (
                        _kind("Memory Foam Pillow", 29, 129, "a removable bamboo cover",
                              "adjustable fill", "a contoured neck support"),
                        _kind("Down Pillow", 39, 119, "responsibly sourced down",
                              "a cotton cambric shell", "a medium-firm feel"),
                    )),
                ),
            ),
        ),
    ),
    Department(
        "Sports & Outdoors",
        "Gear for camping, cycling and training, tested outdoors.",
        ("Trailform", "Alpenra", "Northstride", "Pacewell", "Summitline"),
        ("rugged", "lightweight", "durable", "well-designed", "reliable"),
        ("Lifetime repair service.", "Tested in the Dolomites.", "Free returns within 60 days."),
        (
            (
                "Camping",
                (
                    Leaf("Tents", "TNT", (
                        _kind("Two-Person Tent", 129, 499, "a 3000 mm waterproof flysheet",
                              "aluminium poles", "two doors and two porches"),
                        _kind("Family Tent", 199, 699, "three bedrooms", "a blackout inner",
                              "a sewn-in groundsheet"),
                    )),
                    Leaf("Sleeping Bags", "SLP", (
                        _kind("Down Sleeping Bag", 149, 449, "a comfort rating of -5 °C",
                              "a compression sack", "a draught collar"),
                        _kind("Insulated Sleeping Pad", 39, 199, "an R-value of 4.2",
                              "a pump sack", "a packed size of a water bottle"),
                    )),
                    Leaf("Backpacks", "BPK", (
                        _kind("Hiking Backpack", 79, 299, "an adjustable back system",
                              "a rain cover", "room for 45 litres"),
                        _kind("Daypack", 39, 129, "hip-belt pockets", "a hydration sleeve",
                              "room for 22 litres"),
                    )),
                ),
            ),
            (
                "Cycling",
                (
                    Leaf("Bicycles", "BIK", (
                        _kind("City Bike", 349, 899, "a hub gear", "integrated lights",
                              "puncture-resistant tyres"),
                        _kind("Gravel Bike", 899, 2999, "hydraulic disc brakes",
                              "an 11-speed drivetrain", "40 mm tyres"),
                        _kind("E-Bike", 1499, 3499, "a 500 Wh battery", "a mid-drive motor",
                              "hydraulic disc brakes"),
                    )),
                    Leaf("Cycling Helmets", "HLM", (
                        _kind("Commuter Helmet", 39, 149, "an integrated rear light",
                              "a magnetic buckle", "a reflective shell"),
                        _kind("Road Helmet", 79, 249, "a rotational-impact liner", "18 vents",
                              "a weight of 250 g"),
                    )),
                ),
            ),
            (
                "Fitness",
                (
                    Leaf("Yoga Mats", "YOG", (
                        _kind("Yoga Mat", 25, 119, "a natural rubber base", "alignment lines",
                              "a non-slip surface"),
                        _kind("Travel Yoga Mat", 15, 69, "a foldable 1.5 mm profile",
                              "a weight under 1 kg", "a carrying strap"),
                    )),
                    Leaf("Dumbbells", "DMB", (
                        _kind("Adjustable Dumbbell", 149, 399, "a dial that sets 2.5 to 24 kg",
                              "a compact cradle", "a knurled handle"),
                        _kind("Kettlebell", 19, 129, "a cast-iron body",
                              "a powder-coated handle", "a flat base"),
                    )),
                ),
            ),
        ),
    ),
    Department(
        "Books",
        "Novels, crime, cookbooks, travel and science, in paperback and hardback.",
        ("Lantern Press", "Harbour Books", "Quillstone", "Meridian House", "Old Mill Editions"),
        ("gripping", "moving", "witty", "beautifully written", "acclaimed"),
        ("Paperback, 320 pages.", "Hardback with a ribbon marker.", "Also as an e-book."),
        (
            (
                "Fiction",
                (
                    Leaf("Novels", "NOV", (
                        _kind("novel", 9, 29,
                              "Three generations keep a lighthouse through a century of storms",
                              "Two estranged sisters inherit a failing vineyard",
                              "A translator finds a letter that rewrites her family's past",
                              "A small town waits for a train that never arrives"),
                    )),
                    Leaf("Crime & Thrillers", "CRM", (
                        _kind("thriller", 9, 24,
                              "A retired inspector reopens the case that ended her career",
                              "A forger is hired to fake the painting he once stole",
                              "A night ferry, eleven passengers and one missing captain",
                              "An auditor follows the money into a harbour city's underworld"),
                    )),
                ),
            ),
            (
                "Non-fiction",
                (
                    Leaf("Cookbooks", "CBK", (_kind("cookbook", 14, 45),), titles=(
                        ("One Pot, Every Night", "A hundred weeknight recipes, each in one pot"),
                        ("The Baltic Pantry", "Breads, pickles and preserves of the Baltic coast"),
                        ("Vegetables First", "A year of seasonal cooking, vegetables first"),
                        ("Salt and Smoke", "Curing, smoking and grilling over wood"),
                        ("The Slow Kitchen", "Stews, braises and bakes that cook while you work"),
                        ("Breakfast All Day", "Pancakes, eggs and porridge from twenty countries"),
                    )),
                    Leaf("Travel Guides", "TRV", (_kind("travel guide", 12, 32),), titles=(
                        ("Europe by Night Train", "Routes, sleeper cars and where to wake up"),
                        ("Islands Without Planes", "Islands reachable by ferry, with every map"),
                        ("The Alps on Foot", "Hut-to-hut walks from Slovenia to France"),
                        ("Slow Portugal", "Villages, trains and coastal paths, season by season"),
                        ("The Danube by Bike", "Cycling from the Black Forest to the Black Sea"),
                        ("Coastal Norway", "Fjords and fishing villages by the coastal steamer"),
                    )),
                    Leaf("Popular Science", "SCI", (_kind("science book", 12, 35),), titles=(
                        ("The Hidden Network", "How forests talk through fungi"),
                        ("Kettles and Clouds", "The physics of everyday things"),
                        ("Keeping Time", "From sundials to atomic clocks"),
                        ("The Restless Earth", "Plates, volcanoes and the ground beneath us"),
                        ("Small Wonders", "The microbes that run the planet"),
                        ("A Brief History of Salt", "How one mineral shaped trade and empires"),
                    )),
                ),
            ),
        ),
        style="book",
    ),
    Department(
        "Toys & Games",
        "Board games and building toys for families and game nights.",
        ("Brightblock", "Tumbletoy", "Owlbear Games", "Meeple & Co", "Kitewood"),
        ("clever", "colourful", "fast-paced", "award-winning", "easy-to-learn"),
        ("Wooden pieces, no plastic in the box.", "Ages 8 and up.", "Spare parts on request."),
        (
            (
                "Board Games",
                (
                    Leaf("Strategy Games", "STR", style="game", kinds=(
                        _kind("strategy game", 29, 89,
                              "Build trade routes across a shifting archipelago",
                              "Draft engineers and race to power a city",
                              "Bluff your way to control of the spice markets"),
                    )),
                    Leaf("Family Games", "FAM", style="game", kinds=(
                        _kind("family game", 12, 39,
                              "Match the colours before the sand timer runs out",
                              "A cooperative race to save the forest animals"),
                        _kind("party game", 15, 35,
                              "Draw, guess and steal points from your neighbours",
                              "Answer in one word and hope the others think alike"),
                    )),
                ),
            ),
            (
                "Building Toys",
                (
                    Leaf("Construction Sets", "CON", (
                        _kind("Building Set", 19, 149, "over 400 compatible bricks",
                              "step-by-step picture instructions", "a storage box"),
                        _kind("Engineering Kit", 39, 129, "two motors and a gearbox",
                              "a battery pack", "twelve models to build"),
                    )),
                    Leaf("Marble Runs", "MRB", (
                        _kind("Marble Run", 29, 129, "a spiral tower and two lifts",
                              "beech-wood tracks", "40 glass marbles"),
                    )),
                ),
            ),
        ),
    ),
    Department(
        "Garden",
        "Tools, planters and lights for gardens and balconies.",
        ("Greenhollow", "Verdance", "Fieldcraft", "Rootwise", "Bloomery"),
        ("robust", "ergonomic", "rust-resistant", "handy", "weather-resistant"),
        ("Five-year guarantee.", "Replacement parts available."),
        (
            (
                "Garden Tools",
                (
                    Leaf("Pruners", "PRU", (
                        _kind("Bypass Pruner", 12, 69, "hardened steel blades",
                              "a one-hand safety lock", "a sap groove"),
                        _kind("Loppers", 29, 89, "a ratchet action", "telescopic handles",
                              "a 50 mm cutting capacity"),
                    )),
                    Leaf("Spades & Forks", "SPD", (
                        _kind("Digging Spade", 24, 79, "a forged stainless head",
                              "a tread for your boot", "an FSC-certified ash handle"),
                        _kind("Hand Trowel Set", 14, 45, "three stainless tools",
                              "a canvas roll", "depth markings"),
                    )),
                    Leaf("Hoses & Watering", "HOS", (
                        _kind("Expandable Hose", 19, 69, "brass fittings",
                              "a seven-pattern spray gun", "a length of 30 m"),
                        _kind("Watering Can", 9, 59, "a removable brass rose",
                              "a capacity of 9 litres", "a balanced handle"),
                    )),
                ),
            ),
            (
                "Outdoor Living",
                (
                    Leaf("Planters", "PLN", (
                        _kind("Terracotta Planter", 12, 89, "frost-proof clay",
                              "a drainage hole and saucer", "a hand-thrown rim"),
                        _kind("Raised Bed", 79, 249, "untreated larch boards",
                              "a weed membrane", "a height of 60 cm"),
                    )),
                    Leaf("Garden Lights", "LGT", (
                        _kind("Solar Path Light Set", 19, 79, "a dusk-to-dawn sensor",
                              "warm white LEDs", "an IP65 rating"),
                        _kind("String Light Set", 14, 59, "twenty shatterproof bulbs",
                              "a timer", "a 10 m cable"),
                    )),
                ),
            ),
        ),
    ),
)  # fmt: skip

MODELS = (
    "Aero", "Nimbus", "Vertex", "Orbit", "Halo", "Pulse", "Atlas", "Nova",
    "Zephyr", "Summit", "Echo", "Drift", "Core", "Flux", "Terra", "Fjell",
)  # fmt: skip
MODEL_SUFFIXES = ("", "", " Pro", " Max", " Lite", " 2", " S", " Plus", " Air", " 3")
TITLE_ADJECTIVES = (
    "Silent", "Crimson", "Hidden", "Northern", "Last", "Golden", "Salt", "Iron",
    "Paper", "Glass", "Winter", "Borrowed", "Distant", "Wild", "Quiet", "Lost",
)  # fmt: skip
TITLE_NOUNS = (
    "Harbour", "Orchard", "Kingdom", "Lanterns", "Tides", "Empire", "Garden", "Archive",
    "Voyage", "Meridian", "Island", "Lighthouse", "Valley", "Cartographer", "Season", "Bridge",
)  # fmt: skip
FIRST_NAMES = ("Ana", "Jonas", "Mira", "Tomás", "Ingrid", "Kofi", "Lena", "Ravi", "Sofia", "Emil")
LAST_NAMES = ("Lindqvist", "Moreau", "Okafor", "Brandt", "Castell", "Nakamura", "Rossi", "Vidal")

# --- generation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """One generated product, before it has a category row."""

    name: str
    slug: str
    description: str


def _title(rng: random.Random) -> str:
    return f"{rng.choice(TITLE_ADJECTIVES)} {rng.choice(TITLE_NOUNS)}"


def _an(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _book(rng: random.Random, leaf: Leaf, kind: Kind) -> tuple[str, str]:
    """A fixed (title, blurb) pair, or a generated title with one of the kind's blurbs."""
    if leaf.titles:
        return rng.choice(leaf.titles)
    return f"The {_title(rng)}", rng.choice(kind.features)


def _style(department: Department, leaf: Leaf) -> str:
    return leaf.style or department.style


def _draft(rng: random.Random, department: Department, leaf: Leaf) -> tuple[Draft, Kind]:
    kind = rng.choice(leaf.kinds)
    brand = rng.choice(department.brands)
    adjective = rng.choice(department.adjectives)
    style = _style(department, leaf)
    if style == "book":  # "The Silent Harbour", by an author, from a publisher
        name, blurb = _book(rng, leaf, kind)
        author = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        sentences = [f"{_an(adjective).capitalize()} {kind.noun} by {author}, from {brand}."]
        sentences.append(f"{blurb}.")
    elif style == "game":  # "Iron Tides: Strategy Game"
        name = f"{_title(rng)}: {kind.noun.title()}"
        sentences = [f"{_an(adjective).capitalize()} {kind.noun} from {brand}."]
        sentences.append(f"{rng.choice(kind.features)}.")
    else:  # "Nordlys Atlas Pro Laptop"
        name = f"{brand} {rng.choice(MODELS)}{rng.choice(MODEL_SUFFIXES)} {kind.noun}"
        second = rng.choice([word for word in department.adjectives if word != adjective])
        feature, extra = rng.sample(kind.features, 2)
        sentences = [f"{adjective.capitalize()} and {second}, with {feature}."]
        if rng.random() < 0.7:
            sentences.append(f"Also has {extra}.")
    if rng.random() < 0.5:
        sentences.append(rng.choice(department.closers))
    return Draft(name=name, slug=slugify(name), description=" ".join(sentences)), kind


def _price(rng: random.Random, low: float, high: float) -> Decimal:
    """Log-uniform within a leaf's range, with shop-like endings (.99, .95, .00)."""
    euros = math.exp(rng.uniform(math.log(low), math.log(high)))
    ending = rng.choice(("99", "99", "95", "00"))
    whole = max(1, int(euros)) if ending != "00" else max(1, round(euros))
    return Decimal(f"{whole}.{ending}")


# --- the demo catalog -----------------------------------------------------------------

DEMO_PRODUCTS = 150
DEMO_CUSTOMER = "demo_customer"
DEMO_STAFF = "demo_staff"
DEMO_ADDRESS = "Demo Customer\nKeizersgracht 123\n1015 CJ Amsterdam\nNetherlands"


def _leaves() -> Iterator[tuple[Department, str, Leaf]]:
    for department in DEPARTMENTS:
        for mid, leaves in department.mids:
            for leaf in leaves:
                yield department, mid, leaf


def demo_catalog() -> list[tuple[tuple[str, str, str], dict[str, Any]]]:
    """The demo products: ((top, mid, leaf) names, product data without category)."""
    leaves = list(_leaves())
    base, extra = divmod(DEMO_PRODUCTS, len(leaves))
    products = []
    seen: set[str] = set()
    index = 0
    for position, (department, mid, leaf) in enumerate(leaves):
        rng = random.Random(f"nexus-shop-demo:{leaf.name}")  # noqa: S311 (not secrets)
        for number in range(1, base + (1 if position < extra else 0) + 1):
            draft, kind = _draft(rng, department, leaf)
            while draft.slug in seen:  # deterministic: the same redraws every run
                draft, kind = _draft(rng, department, leaf)
            seen.add(draft.slug)
            index += 1
            stock = 0 if index % 13 == 5 else rng.randint(1, 80)
            products.append(
                (
                    (department.name, mid, leaf.name),
                    {
                        "name": draft.name,
                        "slug": draft.slug,
                        "sku": f"NX-{leaf.code}-{number:03d}",
                        "description": draft.description,
                        "price": _price(rng, kind.low, kind.high),
                        "currency": "EUR",
                        "stock": stock,
                        "is_active": index % 29 != 7,
                        "image_urls": [f"https://cdn.example.com/nexus/shop/{draft.slug}.jpg"],
                    },
                )
            )
    return products


def _demo_categories() -> dict[tuple[str, ...], Category]:
    """The 6 / 15 / 35 tree, by service; existing slugs are kept as they are."""
    existing = {category.slug: category for category in Category.objects.all()}
    nodes: dict[tuple[str, ...], Category] = {}

    def ensure(key: tuple[str, ...], parent: Category | None, description: str) -> Category:
        slug = slugify(key[-1])
        category = existing.get(slug)
        if category is None:
            category = category_create(
                name=key[-1], slug=slug, parent=parent, description=description
            )
        nodes[key] = category
        return category

    for department in DEPARTMENTS:
        top = ensure((department.name,), None, department.description)
        for mid, leaves in department.mids:
            middle = ensure((department.name, mid), top, "")
            for leaf in leaves:
                ensure((department.name, mid, leaf.name), middle, "")
    return nodes


def _pick(products: dict[str, Product], leaf: str) -> Product:
    """The leaf's first sellable demo product, or any (a reviewer may have bought it out)."""
    return products.get(leaf) or next(iter(products.values()))


def _demo_orders(customer: Any, staff: Any, products: dict[str, Product]) -> list[Order]:
    """Two orders: one paid (bank transfer confirmed by staff), one shipped."""
    if Order.objects.filter(user=customer).exists():
        return []
    plans = (
        (["laptops", "novels"], [OrderStatus.PAID]),
        (["coffee-makers", "planters"], [OrderStatus.PAID, OrderStatus.SHIPPED]),
    )
    orders = []
    for leaves, statuses in plans:
        lines = [(_pick(products, leaf).pk, 1) for leaf in leaves]
        order = order_place(
            user=customer,
            lines=lines,
            shipping_address=DEMO_ADDRESS,
            payment_method=PaymentMethod.BANK_TRANSFER,
        )
        for status in statuses:
            order = order_transition(order_id=order.pk, status=status, actor=staff)
        orders.append(order)
    return orders


def _demo_cart(customer: Any, products: dict[str, Product]) -> int:
    if CartItem.objects.filter(cart__user=customer).exists():
        return 0
    picks = (("headphones", 1), ("cookware", 1), ("yoga-mats", 2))
    for leaf, quantity in picks:
        cart_item_add(user=customer, product_id=_pick(products, leaf).pk, quantity=quantity)
    return len(picks)


def demo_seed(stdout: Any = None) -> str:
    """The ``seed_demo`` hook: idempotent, every write through the services."""
    user_model = get_user_model()
    with transaction.atomic():
        categories = _demo_categories()
        catalog = demo_catalog()
        have = set(
            Product.objects.filter(slug__in=[data["slug"] for _, data in catalog]).values_list(
                "slug", flat=True
            )
        )
        created = 0
        for path, data in catalog:
            if data["slug"] not in have:
                product_create(data={**data, "category": categories[path]})
                created += 1
        # For the cart and orders: per leaf, the first demo product that can be sold.
        sellable: dict[str, Product] = {}
        slugs = [data["slug"] for _, data in catalog]
        for product in Product.objects.filter(
            slug__in=slugs, is_active=True, stock__gte=3
        ).select_related("category"):
            sellable.setdefault(product.category.slug, product)
        customer = user_model.objects.filter(username=DEMO_CUSTOMER).first()
        staff = user_model.objects.filter(username=DEMO_STAFF).first()
        cart_lines, orders = 0, []
        if customer is not None and staff is not None:
            cart_lines = _demo_cart(customer, sellable)
            orders = _demo_orders(customer, staff, sellable)
    placed = ", ".join(f"#{order.pk} ({order.status})" for order in orders) or "none new"
    return (
        f"{len(categories)} categories, {len(catalog)} products ({created} new); "
        f"{DEMO_CUSTOMER}: {cart_lines} new cart lines, orders {placed}"
    )


# --- catalogs at scale ----------------------------------------------------------------

SEED_SKU_PREFIX = "SEED-"
DEFAULT_LEAVES = 350  # ten replicas of the 35-leaf tree
# The first replica keeps the plain department names; further ones are other stores.
QUALIFIERS = (
    "", "Pro", "Outlet", "Eco", "Premium", "Studio", "Everyday", "Compact", "Heritage", "Urban",
)  # fmt: skip


@dataclass(frozen=True)
class ScaleLeaf:
    category_id: int
    department: Department
    leaf: Leaf


def _template() -> list[tuple[Department, str, Leaf]]:
    return list(_leaves())


def scale_tree(leaves: int) -> list[tuple[str, str, str | None, int, Leaf | None, Department]]:
    """Nodes (name, slug, parent slug, depth, leaf, department) of a tree with ``leaves``
    leaves: the 35-leaf template replicated, replica ``r`` with slugs ending ``-r``."""
    template = _template()
    nodes = []
    seen: set[str] = set()
    for number in range(leaves):
        replica, position = divmod(number, len(template))
        department, mid, leaf = template[position]
        qualifier = QUALIFIERS[replica] if replica < len(QUALIFIERS) else f"No. {replica + 1}"
        top_name = f"{qualifier} {department.name}".strip()
        top_slug = f"{slugify(department.name)}-{replica + 1}"
        mid_slug = f"{slugify(mid)}-{replica + 1}"
        leaf_slug = f"{slugify(leaf.name)}-{replica + 1}"
        if top_slug not in seen:
            seen.add(top_slug)
            nodes.append((top_name, top_slug, None, 0, None, department))
        if mid_slug not in seen:
            seen.add(mid_slug)
            nodes.append((mid, mid_slug, top_slug, 1, None, department))
        nodes.append((leaf.name, leaf_slug, mid_slug, 2, leaf, department))
        seen.add(leaf_slug)
    return nodes


def _scale_categories(leaves: int) -> list[ScaleLeaf]:
    """Create the missing nodes level by level in bulk, then set their paths."""
    nodes = scale_tree(leaves)
    by_slug = {c.slug: c for c in Category.objects.filter(slug__in=[n[1] for n in nodes])}
    for depth in (0, 1, 2):
        level = [n for n in nodes if n[3] == depth and n[1] not in by_slug]
        if not level:
            continue
        rows = [
            Category(name=name, slug=slug, parent=by_slug[parent] if parent else None)
            for name, slug, parent, _, _, _ in level
        ]
        Category.objects.bulk_create(rows)
        if any(row.pk is None for row in rows):  # a backend that returns no ids
            rows = list(Category.objects.filter(slug__in=[row.slug for row in rows]))
        for row in rows:
            parent = by_slug.get(row.parent.slug) if row.parent_id else None
            row.path = f"{parent.path if parent else '/'}{row.pk}/"
            row.depth = depth
            by_slug[row.slug] = row
        Category.objects.bulk_update(rows, ["path", "depth"], batch_size=500)
    result = []
    for _, slug, _, depth, leaf, department in nodes:
        if depth == 2 and leaf is not None:
            result.append(ScaleLeaf(by_slug[slug].pk, department, leaf))
    return result


def _scale_row(rng: random.Random, number: int, where: ScaleLeaf, now: Any) -> dict[str, Any]:
    """One generated product as column values (the same shapes as the demo products,
    fewer words drawn: this runs a million times)."""
    department, leaf = where.department, where.leaf
    kind = rng.choice(leaf.kinds)
    style = _style(department, leaf)
    if style == "brand":
        name = (
            f"{rng.choice(department.brands)} {rng.choice(MODELS)}"
            f"{rng.choice(MODEL_SUFFIXES)} {kind.noun}"
        )
        description = (
            f"{rng.choice(department.adjectives).capitalize()}, with {rng.choice(kind.features)}. "
            f"Also has {rng.choice(kind.features)}. {rng.choice(department.closers)}"
        )
    else:
        if style == "book":
            name, blurb = _book(rng, leaf, kind)
        else:
            name, blurb = f"{_title(rng)}: {kind.noun.title()}", rng.choice(kind.features)
        description = (
            f"{_an(rng.choice(department.adjectives)).capitalize()} {kind.noun} from "
            f"{rng.choice(department.brands)}. {blurb}."
        )
    # Log-normal around the kind's typical price, kept within 5-2000 EUR.
    median = (math.log(kind.low) + math.log(kind.high)) / 2
    euros = min(1999.0, max(5.0, math.exp(rng.gauss(median, 0.5))))
    created = now - timedelta(seconds=rng.random() * 730 * 86400)
    return {
        "category_id": where.category_id,
        "name": name,
        "slug": f"{slugify_fast(name)}-{number}",
        "sku": f"{SEED_SKU_PREFIX}{number:08d}",
        "description": description,
        "price": f"{int(euros)}.{rng.choice(('99', '99', '95', '49', '00'))}",
        "currency": "EUR",
        "stock": 0 if rng.random() < 0.06 else rng.randint(1, 250),
        "is_active": rng.random() >= 0.02,
        "popularity": int(rng.expovariate(1 / 40)) if rng.random() < 0.6 else 0,
        "image_urls": [f"https://cdn.example.com/nexus/shop/{number}.jpg"],
        "created_at": created,
        "updated_at": created,
    }


_SLUG_CACHE: dict[str, str] = {}


def slugify_fast(name: str) -> str:
    """``slugify`` memoised per word: names repeat their words a great deal."""
    parts = []
    for word in name.split(" "):
        slug = _SLUG_CACHE.get(word)
        if slug is None:
            slug = _SLUG_CACHE[word] = slugify(word)
        if slug:
            parts.append(slug)
    return "-".join(parts)


@dataclass
class SeedReport:
    existing: int
    created: int
    categories: int
    seconds: float
    method: str


def _copy_columns() -> list[tuple[str, Any]]:
    """Every concrete Product column the rows fill, or its default (for columns added
    later); ``id`` comes from its sequence and ``search_vector`` from the trigger."""
    columns = []
    for field in Product._meta.concrete_fields:
        if field.primary_key or field.name == "search_vector":
            continue
        columns.append((field.attname, field))
    return columns


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        value = json.dumps(value)
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    text = str(value)
    if any(char in text for char in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _insert_copy(rows: list[dict[str, Any]], columns: list[tuple[str, Any]]) -> None:
    """PostgreSQL COPY in text format: one round trip per batch, no SQL to parse."""
    defaults = {
        attname: field.get_default() for attname, field in columns if attname not in rows[0]
    }
    buffer = io.StringIO()
    for row in rows:
        buffer.write(
            "\t".join(_copy_text(row.get(attname, defaults.get(attname))) for attname, _ in columns)
        )
        buffer.write("\n")
    names = ", ".join(connection.ops.quote_name(attname) for attname, _ in columns)
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Product._meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())


def _insert_bulk(rows: list[dict[str, Any]], now: Any) -> None:
    created = Product.objects.bulk_create(
        [Product(**{**row, "price": Decimal(row["price"])}) for row in rows]
    )
    ids = [product.pk for product in created if product.pk is not None]
    if not ids:
        return
    # auto_now_add stamped them all now: spread them over two years in one statement
    # (by id, so the same ids get the same dates), as the COPY path writes them.
    table = connection.ops.quote_name(Product._meta.db_table)
    if connection.vendor == "postgresql":
        stamp = "%s - ((id * 7919) %% 63072000) * interval '1 second'"
        params = [now]
    else:
        stamp = "datetime(%s, '-' || ((id * 7919) %% 63072000) || ' seconds')"
        params = [now.astimezone(UTC).replace(tzinfo=None).isoformat(" ")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET created_at = {stamp}, updated_at = {stamp} "  # noqa: S608
            "WHERE id BETWEEN %s AND %s",
            [*params, *params, min(ids), max(ids)],
        )


def catalog_seed(
    *,
    products: int,
    leaves: int = DEFAULT_LEAVES,
    batch: int = 5000,
    method: str = "auto",
    progress: Callable[[int, int, float], None] | None = None,
) -> SeedReport:
    """Top the generated catalog up to ``products`` products (SKUs ``SEED-00000001``...).

    Existing generated products are kept: a second run with the same figure creates
    nothing, a larger one adds the difference. ``method`` is ``copy`` (PostgreSQL
    only), ``bulk`` (``bulk_create``, any database) or ``auto`` (copy on PostgreSQL).
    """
    if method == "auto":
        method = "copy" if connection.vendor == "postgresql" else "bulk"
    if method == "copy" and connection.vendor != "postgresql":
        raise ValueError("--method copy needs PostgreSQL")
    started = time.perf_counter()
    tree = _scale_categories(leaves)
    seeded = Product.objects.filter(sku__startswith=SEED_SKU_PREFIX)
    existing = seeded.count()
    last = seeded.order_by("-sku").values_list("sku", flat=True).first()
    number = int(last[len(SEED_SKU_PREFIX) :]) if last else 0
    wanted = max(0, products - existing)
    columns = _copy_columns()
    now = timezone.now()
    done = 0
    while done < wanted:
        size = min(batch, wanted - done)
        rng = random.Random(f"nexus-shop-scale:{number}")  # noqa: S311 (not secrets)
        rows = [
            _scale_row(rng, number + offset + 1, tree[rng.randrange(len(tree))], now)
            for offset in range(size)
        ]
        with transaction.atomic():
            if method == "copy":
                _insert_copy(rows, columns)
            else:
                _insert_bulk(rows, now)
        number += size
        done += size
        if progress is not None:
            progress(done, wanted, time.perf_counter() - started)
    if done:
        if connection.vendor == "postgresql":  # fresh planner statistics, before autovacuum
            with connection.cursor() as cursor:
                for model in (Category, Product):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        core_cache.invalidate(CATALOG_NAMESPACE)
    return SeedReport(existing, done, len(tree), time.perf_counter() - started, method)
