"""Shop demo data and catalogs at scale, generated from fixed word lists.

Nothing is downloaded and nothing is random between runs: every name, price and
stock figure comes from a ``random.Random`` seeded with a fixed string, so two
runs produce the same catalog. ``vocabulary`` holds the word lists, ``seed`` the
product generator and the demo seed (the ``seed_demo`` hook), ``scale`` the
catalogs at scale (``manage.py seed_shop``).
"""
