"""One place maps every error to the SPEC §5 shape: {"detail", "code", "hint"?, ...}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .. import app_settings
from ..auth import token_hint
from ..exceptions import AtomicBatchRejected, BackendUnavailable, EnterpriseEnrollError


def _domain_response(exc):
    if isinstance(exc, AtomicBatchRejected):
        return Response(exc.results, status=exc.status_code)
    headers = {}
    if isinstance(exc, BackendUnavailable):
        headers["Retry-After"] = str(app_settings.get("RETRY_AFTER_SECONDS"))
    return Response(exc.as_dict(), status=exc.status_code, headers=headers)


def _flatten_codes(codes):
    """The first machine code found in DRF's (possibly nested) get_codes() structure."""
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else "invalid"


def exception_handler(exc, context):
    """DRF exception handler producing the single error shape of the API."""
    if isinstance(exc, EnterpriseEnrollError):
        return _domain_response(exc)
    if isinstance(exc, DjangoValidationError):  # a model/validator check that no serializer caught first
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "The request body is invalid; see `errors`.",
            "code": "validation_error",
            "errors": data,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    if isinstance(data, dict) and "detail" in data:
        body = dict(data)
        body["detail"] = str(data["detail"])
        body.setdefault("code", getattr(data["detail"], "code", None) or _flatten_codes(exc.get_codes()))
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            body.setdefault("hint", token_hint())  # every 401 says how to authenticate (SPEC §4)
        response.data = body
    return response
