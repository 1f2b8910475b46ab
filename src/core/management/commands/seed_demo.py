"""Load demo data for every context, idempotently.

Core creates the demo accounts; each domain contributes its own part through
the ``demo_seed`` hook on its AppConfig (a dotted path to a function taking
``stdout``), so this command needs to import no domain.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils.module_loading import import_string

from core.management.atomic import ALL_OR_NOTHING, AtomicCommand
from core.site.demo import DEMO_ACCOUNTS, seed_accounts


class Command(AtomicCommand):
    help = (
        "Create the demo accounts and each domain's demo data (safe to run twice: a "
        f"second run adds nothing). {ALL_OR_NOTHING}"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even when NEXUS_DEMO_MODE is off (the demo passwords are public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.NEXUS_DEMO_MODE and not options["force"]:
            raise CommandError(
                "NEXUS_DEMO_MODE is off: demo accounts have public passwords. "
                "Pass --force to seed anyway."
            )
        created = seed_accounts()
        self.stdout.write(f"core: {len(DEMO_ACCOUNTS)} demo accounts ready ({len(created)} new)")
        for config in apps.get_app_configs():
            hook = getattr(config, "demo_seed", None)
            if hook is None:
                continue
            summary = import_string(hook)(stdout=self.stdout)
            self.stdout.write(f"{config.label}: {summary}")
        self.stdout.write(self.style.SUCCESS("demo data loaded"))
