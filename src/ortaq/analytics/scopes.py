"""Who sees which figures (the scope) and which figures they asked for (the filters, kept in the URL)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from django.db.models import Q

from ortaq.accounts.selectors import access_for
from ortaq.agreements.selectors import partner_ids_of_any
from ortaq.agreements.types import MobilityType

from .models import Stage


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters, read from and written back to the URL so that a view can be shared."""

    year: int | None = None
    country: str = ""
    region: str = ""
    institution: int | None = None
    isced: str = ""
    level: str = ""
    mobility_type: str = ""
    stage: str = Stage.DEPARTED
    view: str = "own"

    @classmethod
    def from_query(cls, params) -> Filters:
        """Unknown or malformed values are dropped, not errors: a shared link keeps working."""

        def number(name: str) -> int | None:
            value = (params.get(name) or "").strip()
            # isascii: "²" is a digit to str.isdigit but not to int().
            return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None

        def text(name: str, max_length: int) -> str:
            value = (params.get(name) or "").strip()[:max_length]
            return "" if "\x00" in value else value  # PostgreSQL refuses NUL in a query's text (a 500)

        isced = text("isced", 4)
        stage = text("stage", 10)
        view = text("view", 10)
        mobility_type = text("mobility_type", 30)
        return cls(
            year=number("year"),
            country=text("country", 2).upper(),
            region=text("region", 120),
            institution=number("institution"),
            isced=isced if isced.isdigit() else "",
            level=text("level", 2),
            mobility_type=mobility_type if mobility_type in MobilityType.values else "",
            stage=stage if stage in Stage.values else Stage.DEPARTED,
            view=view if view in ("own", "partners") else "own",
        )

    def query(self, **changes) -> str:
        """The URL query of these filters (defaults left out), with `changes` applied."""
        current = replace(self, **changes)
        defaults = Filters()
        return urlencode({
            f.name: getattr(current, f.name) for f in fields(self)
            if getattr(current, f.name) not in (None, "") and getattr(current, f.name) != getattr(defaults, f.name)
        })

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def mobility_q(self) -> Q:
        q = Q()
        if self.year:
            q &= Q(academic_year=self.year)
        if self.country:
            q &= Q(sending_country=self.country) | Q(receiving_country=self.country)
        if self.region:
            q &= Q(sending_region=self.region) | Q(receiving_region=self.region)
        if self.institution:
            q &= Q(sending_id=self.institution) | Q(receiving_id=self.institution)
        if self.isced:
            q &= Q(isced_code__startswith=self.isced)
        if self.level:
            q &= Q(eqf_level=self.level)
        if self.mobility_type:
            q &= Q(mobility_type=self.mobility_type)
        return q

    def credentials_q(self) -> Q:
        """Credentials have a year and an issuer, but no field, level or mobility type."""
        q = Q()
        if self.year:
            q &= Q(academic_year=self.year)
        if self.country:
            q &= Q(country=self.country)
        if self.region:
            q &= Q(region=self.region)
        if self.institution:
            q &= Q(institution_id=self.institution)
        return q


# -------------------------------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    """What a reader may see.

    kind: "public" (anonymous and people without an office role: the open data), "ministry" (analysts and
    admins: every institution, aggregates only), "own" (a college's staff: flows that touch their
    institutions, exact), "partners" (the same staff: flows that touch their partners, as aggregates).
    """

    kind: str
    institutions: frozenset[int] | None = None  # flows must touch one of these; None: all
    own: frozenset[int] = frozenset()
    partners: frozenset[int] = frozenset()

    @property
    def exact(self) -> bool:
        """Only a college's own figures are shown exactly; everything else is disclosure-controlled."""
        return self.kind == "own"

    @property
    def by_institution(self) -> bool:
        """Institution-level tables (flows between institutions, fill rate per agreement) need an account."""
        return self.kind != "public"

    @property
    def is_college(self) -> bool:
        return self.kind in ("own", "partners")

    def mobility_q(self) -> Q:
        if self.institutions is None:
            return Q()
        return Q(sending_id__in=self.institutions) | Q(receiving_id__in=self.institutions)

    def credentials_q(self) -> Q:
        return Q() if self.institutions is None else Q(institution_id__in=self.institutions)


PUBLIC = Scope(kind="public")


def partners_of(institution_ids: set[int] | frozenset[int]) -> set[int]:
    """Institutions that share at least one agreement with one of these."""
    return partner_ids_of_any(institution_ids)


def scope_for(*, actor, view: str = "own") -> Scope:
    access = access_for(actor)
    if access.is_admin or access.is_ministry:
        return Scope(kind="ministry")
    own = frozenset(access.staff_of)
    if not own:
        return PUBLIC
    partners = frozenset(partners_of(own))
    if view == "partners":
        return Scope(kind="partners", institutions=partners, own=own, partners=partners)
    return Scope(kind="own", institutions=own, own=own, partners=partners)
