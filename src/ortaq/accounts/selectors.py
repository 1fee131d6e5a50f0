"""Who the acting user is, institution by institution. Every app's selectors and services start here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from django.db.models import Q, QuerySet

from .models import ApiToken, LanguageCertificate, Membership, Role, User

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ortaq.institutions.types import Institution

    from .types import Actor

# Roles that act for their institution's office (they see its internal records).
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.REGISTRAR, Role.TEACHER, Role.TRAINER, Role.COMPANY_SUPERVISOR})
# Roles that may change their institution's registry records (profile, agreements).
MANAGER_ROLES = frozenset({Role.COORDINATOR})
# Roles that may change programme catalogues.
PROGRAMME_ROLES = frozenset({Role.COORDINATOR, Role.REGISTRAR})


@dataclass(frozen=True)
class Access:
    user_id: int | None
    is_admin: bool = False
    is_ministry: bool = False
    roles: dict[int, frozenset[str]] = field(default_factory=dict)  # institution id -> roles held there

    def institutions_with(self, roles: frozenset[str] | set[str]) -> set[int]:
        return {inst for inst, held in self.roles.items() if held & roles}

    @property
    def member_of(self) -> set[int]:
        return set(self.roles)

    @property
    def staff_of(self) -> set[int]:
        return self.institutions_with(STAFF_ROLES)

    @property
    def manages(self) -> set[int]:
        return self.institutions_with(MANAGER_ROLES)

    def has_role(self, institution_id: int, *roles: str) -> bool:
        return bool(self.roles.get(institution_id, frozenset()) & set(roles))

    @property
    def sees_everything(self) -> bool:
        """Read access across institutions: platform admins, and ministry analysts (read only)."""
        return self.is_admin or self.is_ministry


ANONYMOUS = Access(user_id=None)


def access_for(user: Actor | None) -> Access:
    """The acting user's roles, computed once per user object (one query) and cached on it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    user = cast(User, user)  # signed in: a User, which the getattr above does not tell the type checker
    cached = getattr(user, "_ortaq_access", None)
    if cached is not None:
        return cached
    roles: dict[int, set[str]] = {}
    for institution_id, role in Membership.objects.filter(user=user).values_list("institution_id", "role"):
        roles.setdefault(institution_id, set()).add(role)
    all_roles = {r for held in roles.values() for r in held}
    access = Access(
        user_id=user.pk,
        is_admin=user.is_superuser or Role.PLATFORM_ADMIN in all_roles,
        is_ministry=Role.MINISTRY_ANALYST in all_roles,
        roles={k: frozenset(v) for k, v in roles.items()},
    )
    setattr(user, "_ortaq_access", access)  # a cache on the user object, not a model field
    return access


def people_visible_to(*, actor: Actor) -> QuerySet[User]:
    """People the actor may see: everyone for admins; for staff, members of their own institutions.

    Ministry analysts see aggregates, never a person, so they get nobody here.
    """
    access = access_for(actor)
    if access.is_admin:
        return User.objects.all()
    staff_of = access.staff_of
    if not staff_of:
        return User.objects.filter(pk=access.user_id) if access.user_id is not None else User.objects.none()
    return User.objects.filter(Q(memberships__institution_id__in=staff_of) | Q(pk=access.user_id)).distinct()


def person_get(*, actor: Actor, user_id: int) -> User | None:
    return people_visible_to(actor=actor).filter(pk=user_id).first()


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("institution").order_by("institution__name_latin")


def members_of_institution(*, actor: Actor, institution_id: int) -> QuerySet[Membership]:
    access = access_for(actor)
    if not (access.is_admin or institution_id in access.staff_of):
        return Membership.objects.none()
    return (
        Membership.objects.filter(institution_id=institution_id)
        .select_related("user")
        .order_by("role", "user__full_name_latin", "user__username")
    )


def may_see_accessibility_needs(*, actor: Actor, person: User) -> bool:
    """Only with the person's consent, and only to the person or a coordinator of one of their institutions."""
    if not person.accessibility_consent_at:
        return False
    if actor.pk == person.pk:
        return True
    access = access_for(actor)
    person_institutions = set(Membership.objects.filter(user=person).values_list("institution_id", flat=True))
    return bool(access.manages & person_institutions)


def memberships(*, institutions: Iterable[Institution | int] | None = None, roles: Iterable[str] | None = None) -> QuerySet[Membership]:
    """Who holds which role where, narrowed to some institutions (ids, rows or a queryset: passed to the
    database as given, so a queryset stays a subquery) and roles. The one way other apps read memberships, so
    that none imports the Membership model; they may narrow the queryset further."""
    qs = Membership.objects.all()
    if institutions is not None:
        qs = qs.filter(institution__in=institutions)
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return qs


def language_certificates() -> QuerySet[LanguageCertificate]:
    """Every language certificate, for other apps' bulk reads (mobility's round input narrows it to a call)."""
    return LanguageCertificate.objects.all()


def language_certificates_of(*, person: User) -> QuerySet[LanguageCertificate]:
    return person.language_certificates.order_by("language", "framework")


def user_for_token(secret: str) -> User | None:
    token = (
        ApiToken.objects.filter(digest=ApiToken.digest_of(secret), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")
