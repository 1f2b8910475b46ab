"""How a domain describes itself to core: a ``DomainManifest`` on its ``AppConfig`` as
``nexus_domain``. Core reads it (the landing page's card, the domain index at
``/api/v1/<domain>/``, GraphiQL's opening document) without importing the domain.
Kept free of DRF and models: ``apps.py`` imports it while the app registry loads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class _DescribedApp(Protocol):
    label: str


@dataclass(frozen=True)
class DomainManifest:
    summary: str
    """One paragraph: what the domain does, as the landing page's card says it."""
    graphql: str | None = None
    """The GraphQL endpoint's path, where the domain has one."""
    graphql_example: str | None = None
    """The document GraphiQL opens with (core's ``me`` query otherwise)."""
    links: str | None = None
    """Dotted path to a function returning live demo links, ``[{"label", "url"}]``
    (an open demo poll's page, say), called when the landing page renders."""
    console: str | None = None
    """The template of the domain's browser console, served by core at ``/demo/<label>/``
    inside core's console shell (``core/console.html``: account switcher, request log,
    ``core/console.js``)."""
    console_account: str = "demo_customer"
    """The demo account a console opens as in demo mode (the reviewer switches with one
    click)."""


def domain_manifest(config: _DescribedApp) -> DomainManifest | None:
    """The app's manifest; None for an app that is not a domain. Anything else under
    ``nexus_domain`` is a programming error, refused loudly."""
    manifest = getattr(config, "nexus_domain", None)
    if manifest is None or isinstance(manifest, DomainManifest):
        return manifest
    raise TypeError(f"{config.label}.nexus_domain must be a DomainManifest, not {manifest!r}")
