"""Building blocks for the REST API's input schemas: closed, strictly typed and bounded.

django-ninja's defaults are lenient in ways that let bad input through to a service or the database: a body that
is not an object validates as an empty PATCH, unknown fields are dropped silently (a misspelt field changes
nothing and says nothing), `true` and `"7"` become integers, and an integer as large as 10**30 reaches the
database, which answers with an overflow (a 500). Input schemas therefore derive from InputSchema and use the
types below; the domain's own limits (years, places, lengths of model fields) stay in the forms the services use.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from ninja.pagination import PageNumberPagination
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, ConfigDict, Field, model_validator

MAX_LINE = 500
MAX_TEXT = 20_000
MAX_PAGE = 1_000_000
INT32_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1  # the largest primary key any of our databases stores
# C0 and C1 control characters (and DEL). Text keeps tab and line breaks; a line keeps none of them.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _no_control(pattern: re.Pattern):
    def check(value: str) -> str:
        if pattern.search(value):
            raise ValueError(_("Remove the control characters from this text."))  # the web forms' msgid (ortaq.inputs)
        return value

    return check


Line = Annotated[str, Field(max_length=MAX_LINE), AfterValidator(_no_control(_CONTROL_IN_LINE))]
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_no_control(_CONTROL_IN_TEXT))]
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
Int = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]


class InputSchema(Schema):
    """A request body: a JSON object with exactly the declared fields, each of exactly its type."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # django-ninja validates the parsed body first and then once more wrapped in its DjangoGetter.
        if not isinstance(data, (dict, DjangoGetter)):
            raise ValueError(_("The request body must be a JSON object."))
        return data


class Pages(PageNumberPagination):
    """django-ninja's page numbers, bounded: page 10**30 would become an OFFSET no database accepts."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=1000)


READERS = "In the reader's language (?lang=, else Accept-Language), or the nearest version (ortaq.i18n.FALLBACK_ORDER)"


class WrittenTitleOut(Schema):
    """A record whose title a person wrote in one language, with versions in others (decision 0009): the API
    gives the reader's version, or the nearest, and says which language it is in."""

    title: str = Field(..., description=READERS)
    title_language: str = Field(..., description="The language `title` is in")

    @staticmethod
    def resolve_title(obj, context):
        from ortaq.i18n import requested_language, shown

        return shown(obj, "title", requested_language(context["request"])).text

    @staticmethod
    def resolve_title_language(obj, context):
        from ortaq.i18n import requested_language, shown

        return shown(obj, "title", requested_language(context["request"])).language
