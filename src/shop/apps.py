from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"
    default_auto_field = "django.db.models.BigAutoField"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = {
        "summary": (
            "A catalog with variants and stock, carts, and a checkout that never oversells, "
            "with idempotent order placement."
        ),
    }
