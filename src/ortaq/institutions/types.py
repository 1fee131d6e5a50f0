"""Public types of institutions that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

# What a coordinator may edit on an institution's profile: the form's fields, the import's columns, the audit's
# snapshot, in this order.
EDITABLE_FIELDS = [
    "kind", "name_original", "name_latin", "name_kk", "name_ru", "name_zh", "name_en", "short_name",
    "country", "region", "city", "address", "website", "email", "phone", "kz_bin", "education_code",
    "cn_uscc", "schac", "accessibility_facilities",
]


@dataclass(frozen=True, kw_only=True)
class InstitutionDetails:
    """An institution's profile as the services take it: the web form, the API schema and the file import
    validate input and build it; the services check it again (institutions.rules) so that no caller writes an
    invalid profile. An edit passes the whole profile: `dataclasses.replace(InstitutionDetails.of(i), city=...)`.
    An empty `name_latin` is suggested from the original name."""

    kind: str
    name_original: str
    country: str
    name_latin: str = ""
    name_kk: str = ""
    name_ru: str = ""
    name_zh: str = ""
    name_en: str = ""
    short_name: str = ""
    region: str = ""
    city: str = ""
    address: str = ""
    website: str = ""
    email: str = ""
    phone: str = ""
    kz_bin: str = ""
    education_code: str = ""
    cn_uscc: str = ""
    schac: str = ""
    accessibility_facilities: tuple[str, ...] = ()

    @classmethod
    def of(cls, institution: Institution) -> InstitutionDetails:
        values = {f.name: getattr(institution, f.name) for f in fields(cls)}
        return cls(**values | {"accessibility_facilities": tuple(values["accessibility_facilities"] or ())})


@dataclass(frozen=True, kw_only=True)
class ContactDetails:
    """A contact person of an institution; an empty `name_latin` is suggested from the name."""

    name: str
    name_latin: str = ""
    position: str = ""
    email: str = ""
    phone: str = ""


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures.
    from .models import Institution
