"""Shared REST API machinery: pagination, the JSON parser every endpoint uses, and the schema's error responses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


@csrf_exempt  # it changes nothing; without this a PUT/POST/DELETE to a bad path got CSRF's HTML 403
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/v1/ (a malformed id, say): a JSON 404 like the API's own, not an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus Django's body size limit as a JSON 413 (Django alone answers an HTML 400)."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {"detail": f"Request body is larger than {limit} bytes."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    return drf_exception_handler(exc, context)


# --- the schema's error responses ----------------------------------------------------------------------------

_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "Why the request was refused.",
}
# A 400 is either {"detail": "..."} (an unreadable body) or field name → list of messages (or nested errors).
_VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": {},
    "description": "Each field (or `detail`, or `non_field_errors`) with what is wrong with it.",
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_STANDARD_ERRORS = {
    "401": "No valid token or session.",
    "403": "Not allowed: the role or the unit does not permit this, or two-factor authentication is not set up.",
    "429": "Too many requests; wait and try again.",
}


def add_error_responses(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular postprocessing hook: document the error answers every endpoint can give.

    Authentication, permission and throttling apply to every operation; 404 to every path with an id
    (including objects outside the caller's units, which the API never confirms exist) and to a list's
    page past the end; 400 wherever a
    body or query parameter can be wrong; 413/415 wherever there is a body.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = _ERROR
    schemas["ValidationError"] = _VALIDATION_ERROR
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            answers = dict(_STANDARD_ERRORS)
            if "{" in path:
                answers["404"] = "No such object among those the caller can see."
            elif any(parameter.get("name") == "page" for parameter in operation.get("parameters", [])):
                answers["404"] = "No such page."
            if "requestBody" in operation:
                answers["413"] = "The body is larger than the server accepts."
                answers["415"] = "The body is not JSON."
            for code, description in answers.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}
                )
            if "requestBody" in operation or operation.get("parameters"):
                responses.setdefault(
                    "400",
                    {
                        "description": "The body or a query parameter is invalid.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}},
                    },
                )
    return result
