"""Companies and their members: an employer creates a company and owns it, owners add
recruiters, members edit the profile and moderators verify it. Whoever acts for a
company must be one of its members and still hold the employer role
(``_require_member``, which postings and applications check too)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from core.http.validation import field_error, full_clean
from core.identity import roles
from core.identity.models import User
from core.notifications.services import notification_create
from jobs.models import Company, CompanyMember, MemberRole

COMPANY_FIELDS = ("name", "slug", "website", "description", "logo_url")


def membership_role(*, user: User, company_id: int) -> str | None:
    """The user's role in the company (``owner``/``recruiter``), or None (none for an
    inactive account)."""
    if not user.is_active:
        return None
    return (
        CompanyMember.objects.filter(company_id=company_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def _require_member(*, user: User, company_id: int, owner: bool = False) -> str:
    """Members act for the company (they must still hold the employer role)."""
    role = membership_role(user=user, company_id=company_id)
    if role is None or not roles.is_employer(user):
        raise PermissionDenied("Only members of this company may do this.")
    if owner and role != MemberRole.OWNER:
        raise PermissionDenied("Only an owner of this company may do this.")
    return role


def _unique_slug(name: str) -> str:
    base = slugify(name)[:160] or "company"
    slug, n = base, 1
    while Company.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def company_create(*, actor: User, data: dict[str, Any]) -> Company:
    """An employer creates a company and becomes its owner. ``data`` maps
    ``COMPANY_FIELDS`` to the values sent, checked here (``full_clean``)."""
    if not roles.is_employer(actor):
        raise PermissionDenied("Only employers create companies.")
    values = {field: data[field] for field in COMPANY_FIELDS if data.get(field) is not None}
    values.setdefault("slug", _unique_slug(values.get("name", "")))
    company = Company(**values)
    full_clean(company)
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError as exc:
        raise field_error("slug", "A company with this slug exists.", "unique") from exc
    CompanyMember.objects.create(company=company, user=actor, role=MemberRole.OWNER)
    return company


@transaction.atomic
def company_update(*, company: Company, actor: User, data: dict[str, Any]) -> Company:
    """Members edit the profile; moderators (only) set ``verified``. ``data`` maps
    ``COMPANY_FIELDS`` and ``verified`` to the values sent, checked here (``full_clean``)."""
    profile = [field for field in COMPANY_FIELDS if field in data]
    if "verified" in data and not roles.is_moderator(actor):
        raise PermissionDenied("Only moderators verify companies.")
    if profile:
        _require_member(user=actor, company_id=company.pk)
    company = Company.objects.select_for_update().get(pk=company.pk)
    for field in profile:
        setattr(company, field, data[field])
    if "verified" in data:
        company.verified = bool(data["verified"])
    full_clean(company)
    try:
        with transaction.atomic():
            company.save()  # a rename refreshes its jobs' search vectors (trigger)
    except IntegrityError as exc:
        raise field_error("slug", "A company with this slug exists.", "unique") from exc
    return company


@transaction.atomic
def company_member_add(
    *, company: Company, actor: User, user_id: int, role: str = MemberRole.RECRUITER
) -> CompanyMember:
    """An owner adds an employer (or changes their role)."""
    _require_member(user=actor, company_id=company.pk, owner=True)
    if role not in MemberRole.values:
        raise field_error("role", f"Use one of: {', '.join(MemberRole.values)}.")
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise field_error("user", f"No active user {user_id}.", "does_not_exist")
    if not roles.is_employer(user):
        raise field_error("user", "Only users with the employer role can join a company.")
    member, created = CompanyMember.objects.get_or_create(
        company=company, user=user, defaults={"role": role}
    )
    if not created and member.role != role:
        if member.role == MemberRole.OWNER and not (
            CompanyMember.objects.filter(company=company, role=MemberRole.OWNER)
            .exclude(pk=member.pk)
            .exists()
        ):
            raise field_error("role", "A company keeps at least one owner.")
        member.role = role
        member.save(update_fields=["role"])
    if created:
        notification_create(
            user_id=user.pk,
            kind="jobs.company_member_added",
            title=f"You were added to {company.name} as {role}",
            data={"company": company.pk, "role": role},
        )
    return member
