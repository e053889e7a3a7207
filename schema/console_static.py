"""The staff console's built files (`console/dist`), served at /console.

- hashed assets (`/console/assets/...`): cached for a year, immutable (a new build has new names);
- other files of the build: cached briefly;
- every other path under /console: index.html (the console routes in the browser), never cached,
  so a new build is picked up on the next load;
- compressed (gzip) where the browser accepts it; a missing build answers 503 saying so.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/console"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
NO_CACHE = "no-cache"
# the console talks only to this origin (GraphQL over HTTP and websockets)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP,
}


class ConsoleFiles:
    """ASGI app over a built console directory (paths below the mount point)."""

    def __init__(self, dist: Path):
        self.dist = dist.resolve()

    def _file(self, rel: str) -> Path | None:
        if not rel:
            return None
        candidate = (self.dist / rel).resolve()
        if not candidate.is_relative_to(self.dist) or not candidate.is_file():
            return None
        return candidate

    def response(self, rel: str) -> Response:
        """The response for a path below /console/ (without the leading slash)."""
        index = self.dist / "index.html"
        if not index.is_file():
            return PlainTextResponse(
                "the console is not built: `make run` builds it (npm ci && npm run build)",
                status_code=503,
                headers={"Cache-Control": NO_CACHE},
            )
        found = self._file(rel)
        if found is not None and found.name != "index.html":
            cache = IMMUTABLE if rel.startswith("assets/") else SHORT
            return FileResponse(found, headers={"Cache-Control": cache, **HEADERS})
        if rel != "index.html" and (rel.startswith("assets/") or "." in rel.rsplit("/", 1)[-1]):
            # a file that is not there (an old build's chunk): no HTML in its place
            return PlainTextResponse(
                "not found", status_code=404, headers={"Cache-Control": NO_CACHE}
            )
        return FileResponse(
            index, media_type="text/html", headers={"Cache-Control": NO_CACHE, **HEADERS}
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        if request.method not in ("GET", "HEAD"):
            response: Response = PlainTextResponse("method not allowed", status_code=405)
        else:
            path: str = scope["path"]
            at = path.find(PREFIX + "/")
            response = self.response(path[at + len(PREFIX) + 1 :] if at >= 0 else "")
        await response(scope, receive, send)


async def _to_console(request: Request) -> Response:
    return RedirectResponse(PREFIX + "/", status_code=308)


def console_routes(dist: Path) -> list[Route | Mount]:
    """/console (redirect to /console/) and everything below it, compressed."""
    files: ASGIApp = GZipMiddleware(ConsoleFiles(dist), minimum_size=1024)
    return [
        Route(PREFIX, _to_console),
        Mount(PREFIX, app=files),
    ]
