"""The analyst's dashboard: one page at `/` over the JSON API, every asset served from here.

Nothing is fetched from a CDN: plotly.js is the copy inside the plotly wheel and the world map
(`static/world_110m.json`, built by `dev/build_world_map.py` from Natural Earth) ships with
tocsin, so the dashboard works on a machine with no network at all.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def plotly_js() -> Path:
    """plotly.min.js from the installed plotly package, found without importing plotly."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the plotly package is not installed; pip install plotly")
    return Path(spec.submodule_search_locations[0]) / "package_data" / "plotly.min.js"


def mount_dashboard(app: FastAPI) -> None:
    script = plotly_js()

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly() -> FileResponse:
        return FileResponse(script, media_type="text/javascript", headers=_CACHE)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")


_CACHE = {"Cache-Control": "public, max-age=86400"}
# Sent by the API with every HTML page: the page may only talk to the server it came from,
# and no other site may frame it.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-eval'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
