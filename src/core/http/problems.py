"""RFC 9457 problem details for every error the API can return.

DRF exceptions go through ``problem_exception_handler``; Django-level errors
(unknown URL, CSRF, uncaught exceptions outside DRF) through the ``handler*``
views wired in ``config.urls``. Bodies never carry a traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    UnreadablePostError,
)
from django.shortcuts import render
from django.urls import Resolver404, resolve
from rest_framework import exceptions as drf_exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from core.http.catalogue import ProblemCode, ProblemError, lookup_problem
from core.http.outages import database_busy_headers, database_outage, log_busy
from core.http.request_id import get_request_id

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("django.security")

PROBLEM_CONTENT_TYPE = "application/problem+json"

_Response = TypeVar("_Response", bound=HttpResponseBase)

_DRF_CODES: dict[type[drf_exceptions.APIException], ProblemCode] = {
    drf_exceptions.ValidationError: ProblemCode.VALIDATION_ERROR,
    drf_exceptions.ParseError: ProblemCode.PARSE_ERROR,
    drf_exceptions.NotAuthenticated: ProblemCode.NOT_AUTHENTICATED,
    drf_exceptions.AuthenticationFailed: ProblemCode.AUTHENTICATION_FAILED,
    drf_exceptions.PermissionDenied: ProblemCode.PERMISSION_DENIED,
    drf_exceptions.NotFound: ProblemCode.NOT_FOUND,
    drf_exceptions.MethodNotAllowed: ProblemCode.METHOD_NOT_ALLOWED,
    drf_exceptions.NotAcceptable: ProblemCode.NOT_ACCEPTABLE,
    drf_exceptions.UnsupportedMediaType: ProblemCode.UNSUPPORTED_MEDIA_TYPE,
    drf_exceptions.Throttled: ProblemCode.THROTTLED,
}


def problem_type(code: str) -> str:
    return f"/problems/{code}/"


def problem_body(
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    errors: dict[str, Any] | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    known = lookup_problem(code)
    if known is None:
        # Every `type` must resolve to a page: an uncatalogued code falls back to the
        # generic type of its status (and is logged, so the gap gets catalogued).
        logger.warning("uncatalogued problem code %r; using the generic one", code)
        fallback = ProblemCode.for_status(status)
        code, known = fallback.code, lookup_problem(fallback.code)
        assert known is not None  # every ProblemCode is in the catalogue
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title or known.title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    request_id = get_request_id()
    if request_id:
        body["request_id"] = request_id
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(
    *,
    status: int,
    code: str,
    detail: str,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JsonResponse:
    response = JsonResponse(
        problem_body(status=status, code=code, detail=detail, errors=errors, **extra),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_errors(detail: object) -> dict[str, list[dict[str, str]]]:
    """DRF's nested error detail -> ``{path: [{"message", "code"}]}``, flat.

    Nested input gets dotted paths (``items.0.quantity``, ``ids.3``), so every
    value is a list of errors, as the OpenAPI schema documents, however deep the
    input; errors for the body as a whole go under ``non_field_errors``.
    """
    flat: dict[str, list[dict[str, str]]] = {}

    def add(path: str, message: object, code: str) -> None:
        flat.setdefault(path or "non_field_errors", []).append(
            {"message": str(message), "code": code}
        )

    stack: list[tuple[str, object]] = [("", detail)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, value in reversed(list(node.items())):
                if key == api_settings.NON_FIELD_ERRORS_KEY and path:
                    stack.append((path, value))  # about the list or object at `path` itself
                else:
                    stack.append((f"{path}.{key}" if path else str(key), value))
        elif isinstance(node, list):
            for index in reversed(range(len(node))):
                item = node[index]
                if isinstance(item, drf_exceptions.ErrorDetail):
                    stack.append((path, item))
                elif item:  # a list of nested objects has {} for the valid ones
                    stack.append((f"{path}.{index}" if path else str(index), item))
        elif isinstance(node, drf_exceptions.ErrorDetail):
            add(path, node, node.code or "invalid")
        else:
            add(path, node, "invalid")
    return flat


def _detail_text(detail: object) -> str:
    if isinstance(detail, dict):
        # simplejwt's InvalidToken carries {"detail": ..., "code": ..., "messages": [...]}
        if "detail" in detail:
            return str(detail["detail"])
        return "; ".join(f"{key}: {_detail_text(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_detail_text(item) for item in detail)
    return str(detail)


def specific_code(exc: drf_exceptions.APIException) -> object:
    """The exception's own code. simplejwt puts it in the body (``{"detail": ..., "code":
    "user_inactive"}``), where DRF's ``get_codes()`` reports only the class default
    (``authentication_failed``) for every member."""
    if isinstance(exc.detail, dict) and isinstance(exc.detail.get("code"), str):
        return str(exc.detail["code"])
    raw_code = exc.get_codes()
    if isinstance(raw_code, dict):
        raw_code = raw_code.get("code") or raw_code.get("detail")
    return raw_code


def validation_summary(errors: object) -> str:
    if isinstance(errors, dict) and errors:
        fields = ", ".join(sorted(errors))
        return f"Invalid input in: {fields}."
    return "Invalid input."


def refused_request(exc: BaseException) -> tuple[ProblemCode, str] | None:
    """The problem for Django's refusals of hostile or malformed requests (the
    ``SuspiciousOperation``/``BadRequest`` family, an unreadable body), or None.

    One mapping for DRF views, plain views and middleware: too big is a 413,
    everything else in the family a 400 that says what was wrong.
    """
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return ProblemCode.PAYLOAD_TOO_LARGE, f"A request field or body exceeds {limit} bytes."
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return (
            ProblemCode.BAD_REQUEST,
            f"The request has more than {limit} query parameters or form fields.",
        )
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return ProblemCode.BAD_REQUEST, f"The request has more than {limit} files."
    if isinstance(exc, SuspiciousOperation):
        return ProblemCode.BAD_REQUEST, "The request was refused as malformed or suspicious."
    if isinstance(exc, BadRequest):
        return ProblemCode.BAD_REQUEST, str(exc) or ProblemCode.BAD_REQUEST.description
    if isinstance(exc, UnreadablePostError):
        return ProblemCode.BAD_REQUEST, "The request body could not be read."
    return None


def log_refusal(exc: BaseException, path: str | None) -> None:
    """Like Django, tell the security log about suspicious requests (not an error of ours)."""
    if isinstance(exc, SuspiciousOperation):
        logging.getLogger(f"django.security.{type(exc).__name__}").warning(
            "refused %s: %s", path, exc
        )


def mark_logged(response: _Response) -> _Response:
    """Tell Django's request logger this error response was logged already (once)."""
    response._has_been_logged = True  # type: ignore[attr-defined]  # read by django.utils.log
    return response


def _drf_problem(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **members: Any
) -> Response:
    """A problem-details DRF response; the transaction of the request rolls back."""
    set_rollback()
    return Response(
        problem_body(status=status, code=code, detail=detail, **members),
        status=status,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: every exception becomes problem details."""
    request = context.get("request")
    instance = request.path if request is not None else None
    if request is not None:
        # Problems are JSON whatever the view renders otherwise (the schema's YAML, an
        # unknown ``?format=``): DRF renders error bodies with the negotiated renderer.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = PROBLEM_CONTENT_TYPE

    if isinstance(exc, ProblemError):
        return _service_problem(exc, context, instance)

    refused = refused_request(exc)
    if refused is not None:
        log_refusal(exc, instance)
        problem, detail = refused
        return _drf_problem(problem.status, problem.code, detail, instance=instance)

    outage = database_outage(exc)
    if outage is not None:
        log_busy(exc, instance)
        problem, detail = outage
        return mark_logged(
            _drf_problem(
                problem.status, problem.code, detail, database_busy_headers(), instance=instance
            )
        )

    api_exc = _as_api_exception(exc)
    if api_exc is None:
        logger.error(
            "unhandled exception in %s", instance, exc_info=(type(exc), exc, exc.__traceback__)
        )
        server_error = ProblemCode.SERVER_ERROR
        return mark_logged(
            _drf_problem(500, server_error.code, server_error.description, instance=instance)
        )
    return _api_problem(api_exc, instance)


def _service_problem(exc: ProblemError, context: dict[str, Any], instance: str | None) -> Response:
    """A service's refusal, with its catalogued problem and extra members."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    view, request = context.get("view"), context.get("request")
    if exc.problem.status == 401 and view is not None and request is not None:
        # As DRF does for its own 401s: every 401 names the scheme to authenticate with.
        challenge = view.get_authenticate_header(request)
        if challenge:
            headers["WWW-Authenticate"] = challenge
    return _drf_problem(
        exc.problem.status,
        exc.problem.code,
        exc.detail,
        headers or None,
        title=exc.problem.title,
        instance=instance,
        **exc.extra,
    )


def _as_api_exception(exc: Exception) -> drf_exceptions.APIException | None:
    """DRF's exception for what services and Django raise; None for a bug."""
    if isinstance(exc, drf_exceptions.APIException):
        return exc
    if isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError (they do not import DRF).
        return drf_exceptions.ValidationError(detail=as_serializer_error(exc))
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        # Services raise Model.DoesNotExist for what the caller may not see or that is gone.
        return drf_exceptions.NotFound(str(exc) if isinstance(exc, ObjectDoesNotExist) else None)
    if isinstance(exc, DjangoPermissionDenied):
        return drf_exceptions.PermissionDenied()
    return None


def _api_code(exc: drf_exceptions.APIException, default: str) -> str:
    """A library's more specific code (simplejwt's ``no_active_account``, ...), used only
    when it is catalogued with the same status, so every ``type`` resolves to a page."""
    raw_code = specific_code(exc)
    found = lookup_problem(raw_code) if isinstance(raw_code, str) else None
    return found.code if found is not None and found.status == exc.status_code else default


def _api_problem(exc: drf_exceptions.APIException, instance: str | None) -> Response:
    problem = next(
        (code for klass, code in _DRF_CODES.items() if isinstance(exc, klass)),
        ProblemCode.for_status(exc.status_code),
    )
    errors = None
    if isinstance(exc, drf_exceptions.ValidationError):
        code = problem.code
        errors = _field_errors(exc.detail)
        detail = validation_summary(errors)
    else:
        code = _api_code(exc, problem.code)
        detail = _detail_text(exc.detail)

    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    extra: dict[str, Any] = {}
    if isinstance(exc, drf_exceptions.Throttled) and wait is not None:
        extra["retry_after"] = int(headers["Retry-After"])

    return _drf_problem(
        exc.status_code,
        code,
        detail,
        headers,
        # A more specific code (``token_expired``) has its own catalogued title.
        title=problem.title if code == problem.code else None,
        errors=errors,
        instance=instance,
        **extra,
    )


# --- Django-level handlers (outside DRF views) --------------------------------

_API_PREFIXES = ("/api/", "/graphql", "/health/")


def wants_problem(request: HttpRequest) -> bool:
    """API paths always get problem details; other pages only when JSON is asked for."""
    if request.path.startswith(_API_PREFIXES) and not request.path.startswith("/api/docs/"):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


def _error_page(
    request: HttpRequest,
    problem: ProblemCode,
    detail: str,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    if wants_problem(request):
        return problem_response(
            status=problem.status,
            code=problem.code,
            detail=detail,
            instance=request.path,
            headers=headers,
        )
    page = render(
        request,
        "core/error.html",
        {"problem": problem, "detail": detail},
        status=problem.status,
    )
    for name, value in (headers or {}).items():
        page[name] = value
    return page


def database_outage_response(
    request: HttpRequest, exc: BaseException, outage: tuple[ProblemCode, str]
) -> HttpResponse:
    """The 503 for a request the database could not take (``database_outage``), outside
    DRF views (plain views, GraphQL, middleware): problem details on API paths, the
    error page elsewhere."""
    log_busy(exc, request.path)
    problem, detail = outage
    return mark_logged(_error_page(request, problem, detail, database_busy_headers()))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's ``handler400``: the SuspiciousOperation/BadRequest family raised outside
    DRF views (in middleware, in plain views); the same mapping as inside DRF."""
    refused = refused_request(exception) if exception is not None else None
    if refused is None:
        return _error_page(request, ProblemCode.BAD_REQUEST, ProblemCode.BAD_REQUEST.description)
    problem, detail = refused
    return _error_page(request, problem, detail)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request, ProblemCode.PERMISSION_DENIED, ProblemCode.PERMISSION_DENIED.description
    )


def not_found_detail(path: str) -> str:
    """Name the path, and the slashed one when that is what the client meant."""
    detail = f"Nothing is served at {path}."
    if not path.endswith("/") and _resolves(path + "/"):
        detail += f" Did you mean {path}/ (with a trailing slash)?"
    return detail


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, ProblemCode.NOT_FOUND, not_found_detail(request.path))


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls its handler500 while handling the exception (under WSGI, in the same
    # thread): an exception raised by a middleware reaches only this handler.
    exc = sys.exc_info()[1]
    outage = database_outage(exc)
    if exc is not None and outage is not None:
        return database_outage_response(request, exc, outage)
    return _error_page(request, ProblemCode.SERVER_ERROR, ProblemCode.SERVER_ERROR.description)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(
        request,
        ProblemCode.PERMISSION_DENIED,
        "CSRF verification failed. API clients should authenticate with a bearer token.",
    )
