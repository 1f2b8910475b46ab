from django.apps import AppConfig

from core.http.manifest import DomainManifest


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"
    default_auto_field = "django.db.models.BigAutoField"
    # Called by `manage.py seed_demo` (core) after the demo accounts exist.
    demo_seed = "shop.demo.seed.demo_seed"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = DomainManifest(
        summary=(
            "A category tree and a catalog with full-text search and keyset pagination, "
            "carts, and an idempotent checkout that never oversells; orders with a "
            "lifecycle, offline payments and signed card webhooks."
        ),
        console="shop/console.html",
        console_account="demo_customer",
    )

    def ready(self) -> None:
        from core.tasking.outbox import register_periodic
        from shop import error_codes  # noqa: F401  (registers the shop's problem codes)

        # Beat records what readers already see (expired orders) and sends the notices.
        register_periodic(
            "shop.expire-overdue-orders", "shop.tasks.orders_expire_overdue_task", 300.0
        )
        register_periodic(
            "shop.clear-abandoned-carts", "shop.tasks.carts_clear_abandoned_task", 3600.0
        )
