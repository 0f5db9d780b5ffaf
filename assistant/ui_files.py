"""The web app's PDF route: an indexed PDF served by its document id (``/document/<doc_id>``), never by path.

Only documents in the index whose source file is a PDF are served, so a link shows no server path and no
other file can be reached through it. With a login configured the route asks Gradio's session cookie, as
Gradio's own routes do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute

from assistant.ui_render import DOCUMENT_ROUTE
from ingest.records import IndexedDocument


def signed_in(request: Request) -> bool:
    """Whether the request may see documents: no login configured, or a valid Gradio session cookie."""
    app = request.app
    if getattr(app, "auth", None) is None and getattr(app, "auth_dependency", None) is None:
        return True
    cookie_id = getattr(app, "cookie_id", "")
    token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{cookie_id}"
    )
    return token is not None and token in getattr(app, "tokens", {})


def document_route(documents: Callable[[], Sequence[IndexedDocument]]) -> APIRoute:
    """``GET /document/<doc_id>``: the indexed PDF of that document (inline), 404 for anything else."""

    def serve(doc_id: str, request: Request) -> Response:
        if not signed_in(request):
            return PlainTextResponse("Sign in first.", status_code=401)
        document = next((d for d in documents() if d.doc_id == doc_id), None)
        path = Path(document.source_path) if document else None
        if path is None or path.suffix.lower() != ".pdf" or not path.is_file():
            return PlainTextResponse("No such PDF document in the index.", status_code=404)
        name = f"{doc_id.rsplit('/', 1)[-1]}.pdf"
        return FileResponse(path, media_type="application/pdf", filename=name, content_disposition_type="inline")

    return APIRoute(f"{DOCUMENT_ROUTE}{{doc_id:path}}", serve, methods=["GET"], include_in_schema=False)
