"""The word lists every generated shop product is made of: three-level departments
(department, middle category, leaf) with their brands, adjectives and closing
sentences, each leaf's kinds of product (noun, typical price range, features), and
the model names, book titles and author names drawn from."""

from __future__ import annotations

from dataclasses import dataclass


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
