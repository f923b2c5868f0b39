"""The FastAPI application: sessions per request, problem+json errors, the routers."""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from api import routes
from claims.db import make_engine, session_factory
from claims.errors import ClaimsError, InvalidInput, LedgerError, NotFound, StateError

_STATUS = {NotFound: 404, InvalidInput: 422, LedgerError: 409, StateError: 409}


def create_app(database_url: str | None = None) -> FastAPI:
    """The engine's HTTP app on the configured database."""
    engine = make_engine(database_url)
    factory = session_factory(engine)
    app = FastAPI(
        title="Claims engine",
        version="0.1.0",
        description="Healthcare claims billing engine: 837 out, 999/277CA/835 in, exact ledger.",
    )

    def get_session() -> Iterator[Session]:
        # The request owns the transaction: it commits before the response is sent.
        with factory() as session, session.begin():
            yield session

    app.dependency_overrides[routes.get_session] = get_session
    app.state.engine = engine

    @app.exception_handler(ClaimsError)
    def _problem(request: Request, exc: ClaimsError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        return _problem_json(request, status, type(exc).__name__, str(exc))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Name the fields, never echo the values sent: they may be a patient's data.
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return _problem_json(request, 422, "InvalidInput", detail, errors=errors)

    @app.exception_handler(HTTPException)
    def _http(request: Request, exc: HTTPException) -> JSONResponse:
        title = HTTPStatus(exc.status_code).phrase
        response = _problem_json(request, exc.status_code, title, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/docs")

    app.include_router(routes.router)
    return app


def _problem_json(
    request: Request, status: int, title: str, detail: str, **extra: Any
) -> JSONResponse:
    """An RFC 9457 problem response."""
    return JSONResponse(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.url.path,
            **extra,
        },
        status_code=status,
        media_type="application/problem+json",
    )
