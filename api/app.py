"""The FastAPI application: sessions per request, problem+json errors, the routers."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session

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
        return JSONResponse(
            {
                "type": "about:blank",
                "title": type(exc).__name__,
                "status": status,
                "detail": str(exc),
                "instance": request.url.path,
            },
            status_code=status,
            media_type="application/problem+json",
        )

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/docs")

    app.include_router(routes.router)
    return app
