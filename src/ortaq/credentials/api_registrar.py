"""REST API for the registrar's desk (issue 16): issuance batches (prepared, approved by a second registrar, then
signed in the background), the credentials an institution issued, and their revocation or suspension.

The web desk's selectors and services, so the rules are theirs: a registrar of an awarding institution prepares a
batch; another registrar of it (or an administrator) approves, unless nobody else could; only a registrar of
the issuer changes a credential's status, always with a reason, and a revoked credential stays revoked. Anyone
else sees none of it (404). Batches and credentials have no version column: their `version` is a hash of their
state (ortaq.lib.versions), checked when sent back as `expected_version`.

The W3C VC-API (/api/v1/vc/...) is another router (credentials/api.py) with the specification's shapes.
"""

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.db import transaction
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.params.functions import Query as QueryParam
from ninja.pagination import paginate

from ortaq.errors import NotFound, ValidationFailed
from ortaq.inputs import DateField, parse
from ortaq.lib.idempotency import idempotent
from ortaq.lib.schemas import Id, InputSchema, Line, Pages, Text
from ortaq.lib.versions import check_version, content_version
from ortaq.programmes.selectors import programmes_awarded_by

from . import selectors, services
from .models import BatchState, CredentialKind, CredentialState, IssuanceBatch, IssuedCredential

router = Router(tags=["registrar"])

IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", max_length=10, description="YYYY-MM-DD")]
Version = Annotated[Line, Field(max_length=64, description="The `version` you read; another current one answers 409")]


def batch_version(batch: IssuanceBatch) -> str:
    return content_version({"state": batch.state, "approved_by": batch.approved_by_id, "done": batch.done})


def credential_version(credential: IssuedCredential) -> str:
    return content_version({"state": credential.state, "reason": credential.state_reason})


# Output ------------------------------------------------------------------------------------------------------

class BatchOut(Schema):
    id: int
    kind: str
    state: str
    programme_id: int | None
    issuer_institution_id: int
    graduation_date: dt.date
    total: int
    done: int
    error: str
    requested_by_id: int
    approved_by_id: int | None
    created_at: dt.datetime
    version: str

    @staticmethod
    def resolve_issuer_institution_id(obj):
        return obj.issuer.institution_id

    @staticmethod
    def resolve_version(obj):
        return batch_version(obj)


class IssuedOut(Schema):
    id: int
    public_id: uuid.UUID
    kind: str
    title: dict[str, str]
    holder_id: int | None
    holder_name: str
    issuer_institution_id: int
    state: str
    state_reason: str
    verify_code: str
    issued_at: dt.datetime
    batch_id: int | None
    version: str

    @staticmethod
    def resolve_holder_name(obj):
        return obj.holder.full_name if obj.holder_id else ""

    @staticmethod
    def resolve_issuer_institution_id(obj):
        return obj.issuer.institution_id

    @staticmethod
    def resolve_title(obj):
        return {str(k): str(v) for k, v in (obj.title or {}).items()}

    @staticmethod
    def resolve_version(obj):
        return credential_version(obj)


class IssuedDetailOut(IssuedOut):
    document: dict[str, Any] = Field(..., description="The signed credential, exactly as issued")


# Input -------------------------------------------------------------------------------------------------------

class BatchIn(InputSchema):
    programme_id: Id = Field(..., description="A programme your institution awards")
    holder_ids: list[Id] = Field(..., min_length=1, max_length=2000, description="Its graduates: students of an awarding institution")
    graduation_date: IsoDate


class BatchFilters(FilterSchema):
    state: Literal["", *BatchState.values] = ""  # type: ignore[valid-type]


class IssuedFilters(FilterSchema):
    q: Line = Field("", description="Holder's name (any script), username or verification code")
    kind: Literal["", *CredentialKind.values] = ""  # type: ignore[valid-type]
    state: Literal["", *CredentialState.values] = ""  # type: ignore[valid-type]
    issued_from: IsoDate | None = None
    issued_to: IsoDate | None = None
    batch: Id | None = None


class StateIn(InputSchema):
    state: Literal[tuple(CredentialState.values)]  # type: ignore[valid-type]
    reason: Annotated[Text, Field(min_length=1)]
    expected_version: Version | None = None


# Helpers -----------------------------------------------------------------------------------------------------

def _batch(request, pk: int) -> IssuanceBatch:
    batch = selectors.batches_for_registrar(actor=request.user).filter(pk=pk).first()
    if batch is None:
        raise NotFound()
    return batch


def _issued(request, public_id: uuid.UUID) -> IssuedCredential:
    credential = selectors.credentials_for_registrar(actor=request.user).filter(public_id=public_id).first()
    if credential is None:
        raise NotFound()
    return credential


def _holders(ids: list[int]) -> list:
    found = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        raise ValidationFailed({"holder_ids": [f"unknown user id(s): {', '.join(map(str, missing))}"]})
    return [found[i] for i in dict.fromkeys(ids)]


def _date(value: str | None, name: str) -> dt.date | None:
    return parse(DateField(), value, name=name) if value else None


# Batches -----------------------------------------------------------------------------------------------------

@router.get("/batches/", response=list[BatchOut], summary="Issuance batches of your institutions")
@paginate(Pages, page_size=50)
def list_batches(request, filters: Query[BatchFilters]):
    qs = selectors.batches_for_registrar(actor=request.user).order_by("-created_at", "-id")
    return qs.filter(state=filters.state) if filters.state else qs


@router.post("/batches/", response={201: BatchOut},
             summary="Prepare the diplomas of a programme's graduates; another registrar approves before anything is signed")
@idempotent
def create_batch(request, payload: BatchIn):
    programme = programmes_awarded_by().filter(pk=payload.programme_id).first()
    if programme is None:
        raise ValidationFailed({"programme_id": [f"unknown programme id: {payload.programme_id}"]})
    batch = services.batch_request(actor=request.user, programme=programme, holders=_holders(list(payload.holder_ids)),
                                   graduation_date=parse(DateField(), payload.graduation_date, name="graduation_date"))
    return Status(201, _batch(request, batch.pk))


@router.get("/batches/{int:pk}", response=BatchOut, summary="A batch: its state and how many credentials are signed")
def get_batch(request, pk: int):
    return _batch(request, pk)


@router.post("/batches/{int:pk}/approve", response=BatchOut,
             summary="Approve a batch (a registrar other than the one who prepared it); it is then signed in the background")
def approve_batch(request, pk: int, expected_version: str | None = QueryParam(None, min_length=1, max_length=64, pattern=r"^[0-9a-f]+$",
                                                                             description="The `version` you read; another current one answers 409")):
    with transaction.atomic():
        batch = IssuanceBatch.objects.select_for_update().get(pk=_batch(request, pk).pk)
        check_version(expected=expected_version, current=batch_version(batch))
        services.batch_approve(actor=request.user, batch=batch)
    return _batch(request, pk)


# Issued credentials ------------------------------------------------------------------------------------------

@router.get("/issued/", response=list[IssuedOut], summary="Credentials your institutions issued, searchable")
@paginate(Pages, page_size=50)
def list_issued(request, filters: Query[IssuedFilters]):
    return selectors.credentials_search(actor=request.user, q=filters.q, kind=filters.kind, state=filters.state,
                                        issued_from=_date(filters.issued_from, "issued_from"), issued_to=_date(filters.issued_to, "issued_to"),
                                        batch=filters.batch).order_by("-issued_at", "-id")


@router.get("/issued/{uuid:public_id}", response=IssuedDetailOut, summary="A credential your institution issued")
def get_issued(request, public_id: uuid.UUID):
    return _issued(request, public_id)


@router.post("/issued/{uuid:public_id}/state", response=IssuedOut,
             summary="Revoke (final), suspend or reinstate a credential, with the reason; its status list follows")
def set_issued_state(request, public_id: uuid.UUID, payload: StateIn):
    with transaction.atomic():
        credential = IssuedCredential.objects.select_for_update().get(pk=_issued(request, public_id).pk)
        check_version(expected=payload.expected_version, current=credential_version(credential))
        services.credential_set_state(actor=request.user, credential=credential, state=payload.state, reason=payload.reason)
    return _issued(request, public_id)
