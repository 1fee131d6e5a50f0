"""Public types of programmes that other apps may import (see docs/decisions/0007-app-boundaries.md)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

# The fields the forms edit, the audit's snapshots record and an API PATCH may name, in this order.
PROGRAMME_FIELDS = [
    "code", "title_kk", "title_ru", "title_zh", "title_en", "is_joint", "dual_qualification", "qualification_kz",
    "qualification_cn", "isced_code", "kz_nqf_level", "eqf_level", "cn_level", "specialty_code_kz",
    "specialty_code_cn", "languages", "duration_months",
]
MODULE_FIELDS = [
    "code", "order", "title_kk", "title_ru", "title_zh", "title_en", "credits", "professional_standard_code",
    "professional_standard_title", "certificate_1x_code", "certificate_1x_title",
]
OUTCOME_FIELDS = ["code", "text_kk", "text_ru", "text_zh", "text_en"]
CREDITS_MAX, ORDER_MAX = 240, 999


@dataclass(frozen=True, kw_only=True)
class ProgrammeDetails:
    """A programme as the services take it: the web form and the API schema validate input and build it; the
    services check it again (programmes.services) so that no caller writes an invalid programme. An edit passes
    the whole programme: `dataclasses.replace(ProgrammeDetails.of(programme), title_en=...)`."""

    code: str
    title_en: str
    isced_code: str
    title_kk: str = ""
    title_ru: str = ""
    title_zh: str = ""
    is_joint: bool = True
    dual_qualification: bool = True
    qualification_kz: str = ""
    qualification_cn: str = ""
    kz_nqf_level: str = ""
    eqf_level: str = ""
    cn_level: str = ""
    specialty_code_kz: str = ""
    specialty_code_cn: str = ""
    languages: tuple[str, ...] = ()
    duration_months: int | None = None

    @classmethod
    def of(cls, programme: Programme) -> ProgrammeDetails:
        values = {f.name: getattr(programme, f.name) for f in fields(cls)}
        return cls(**values | {"languages": tuple(values["languages"] or ())})


@dataclass(frozen=True, kw_only=True)
class ModuleDetails:
    """A module of a programme; `credits` 1..CREDITS_MAX, `order` 0..ORDER_MAX (its place in the list)."""

    code: str
    title_en: str
    credits: int
    order: int = 0
    title_kk: str = ""
    title_ru: str = ""
    title_zh: str = ""
    professional_standard_code: str = ""
    professional_standard_title: str = ""
    certificate_1x_code: str = ""
    certificate_1x_title: str = ""


@dataclass(frozen=True, kw_only=True)
class OutcomeText:
    """A learning outcome of a module, written in at least one language."""

    code: str
    text_kk: str = ""
    text_ru: str = ""
    text_zh: str = ""
    text_en: str = ""


if TYPE_CHECKING:
    # For annotations only (no import at run time): the model classes that pass through other apps'
    # signatures.
    from .models import Module, Programme
