"""The console's built files at /console: long-lived hashed assets, a never-cached index.html
for every client route, no HTML in place of a missing asset, and a clear answer when unbuilt."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette

from schema.console_static import IMMUTABLE, NO_CACHE, console_routes

INDEX = '<!doctype html><html lang="zh-CN"><script type="module" src="/console/assets/index-abc123.js"></script></html>'


def _client(dist: Path) -> httpx.AsyncClient:
    app = Starlette(routes=console_routes(dist))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("export const x = 1;\n" * 200)
    (dist / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    (tmp_path / "secret.txt").write_text("outside the build")
    return dist


async def test_hashed_assets_are_cached_for_good_and_compressed(tmp_path: Path) -> None:
    client = _client(_built(tmp_path))
    r = await client.get("/console/assets/index-abc123.js", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == IMMUTABLE
    assert r.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert r.headers["content-encoding"] == "gzip"
    assert r.text.startswith("export const x")


async def test_client_routes_get_the_index_never_cached(tmp_path: Path) -> None:
    client = _client(_built(tmp_path))
    for path in ("/console/", "/console/queue", "/console/application/QXBw", "/console/index.html"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == NO_CACHE
        assert r.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.text == INDEX
    redirected = await client.get("/console", follow_redirects=False)
    assert redirected.status_code == 308
    assert redirected.headers["location"] == "/console/"


async def test_missing_assets_and_paths_outside_the_build_are_not_found(tmp_path: Path) -> None:
    client = _client(_built(tmp_path))
    assert (await client.get("/console/assets/old-chunk-1.js")).status_code == 404
    assert (await client.get("/console/favicon.ico")).status_code == 404
    assert "outside the build" not in (await client.get("/console/%2e%2e/secret.txt")).text
    assert (await client.get("/console/robots.txt")).headers[
        "cache-control"
    ] == "public, max-age=300"
    assert (await client.post("/console/queue")).status_code == 405


async def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path) -> None:
    r = await _client(tmp_path / "nothing").get("/console/queue")
    assert r.status_code == 503
    assert "make run" in r.text
