"""Demo data for reviewers: one account per role, created by ``seed_demo``.

The passwords are public on purpose; they are only created and shown when
``NEXUS_DEMO_MODE`` is on (the embedded default), never in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from core.identity.models import User
from core.identity.roles import Role
from core.identity.services import roles_ensure


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    roles: tuple[str, ...]
    staff: bool = False
    superuser: bool = False
    note: str = ""


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo_customer", "nexus-customer-demo", (Role.CUSTOMER,), note="shops, votes"),
    DemoAccount(
        "demo_candidate",
        "nexus-candidate-demo",
        (Role.CUSTOMER, Role.CANDIDATE),
        note="applies to jobs",
    ),
    DemoAccount(
        "demo_employer",
        "nexus-employer-demo",
        (Role.CUSTOMER, Role.EMPLOYER),
        note="posts jobs",
    ),
    DemoAccount(
        "demo_moderator",
        "nexus-moderator-demo",
        (Role.CUSTOMER, Role.MODERATOR),
        note="moderates posts, comments, jobs and companies",
    ),
    DemoAccount(
        "demo_staff",
        "nexus-staff-demo",
        (Role.CUSTOMER,),
        staff=True,
        note="staff: operates the store (catalog, orders)",
    ),
    DemoAccount(
        "admin", "nexus-admin-demo", (Role.CUSTOMER,), staff=True, superuser=True, note="/admin/"
    ),
)


@transaction.atomic
def seed_accounts() -> list[str]:
    """Create or reset the demo accounts (idempotent). Returns what was created."""
    groups = {group.name: group for group in roles_ensure()}
    created = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username__iexact=account.username).first()
        if user is None:
            user = User(username=account.username)
            created.append(account.username)
        user.email = f"{account.username}@demo.nexus.localhost"
        user.is_staff = account.staff
        user.is_superuser = account.superuser
        user.is_active = True
        user.set_password(account.password)
        user.save()
        user.groups.set([groups[str(role)] for role in account.roles])
    return created
