"""API documentation pages (接口文档) that work offline and in mainland China.

Litestar's stock pages load Redoc, Swagger UI, fonts and a favicon from cdn.redoc.ly,
jsdelivr, unpkg and Google Fonts, so without those hosts they stay blank. These pages load
only copies vendored in ``docs_assets/`` (where each file came from: its README.md), served by
this app under ``<OpenAPI path>/assets/<package>-<version>/``.

Wiring: ``OpenAPIConfig(path=..., render_plugins=docs_render_plugins())``; each page mounts
its own assets on the OpenAPI router, so nothing else has to be registered.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    YamlRenderPlugin,
)
from litestar.static_files import create_static_files_router

ASSETS_DIR: Final = Path(__file__).with_name("docs_assets")

# Asset URLs carry the package version, so a browser may keep a copy for a year: an update
# changes the URL rather than the file behind it.
_ONE_YEAR = 365 * 24 * 60 * 60
ASSET_CACHE_CONTROL: Final = CacheControlHeader(public=True, max_age=_ONE_YEAR, immutable=True)

# Redoc's sidebar shows a logo from cdn.redoc.ly (and hides it when it fails to load); this
# policy keeps the browser from asking another host for any image at all.
_IMAGES_FROM_THIS_HOST = (
    '<meta http-equiv="Content-Security-Policy" content="img-src \'self\' data: blob:">'
)
_BODY_STYLE = "<style>body { margin: 0; padding: 0 }</style>"


@dataclass(frozen=True)
class VendoredPackage:
    """An npm package whose published files are copied, unchanged, into docs_assets/<name>/."""

    name: str
    version: str

    @property
    def directory(self) -> Path:
        return ASSETS_DIR / self.name

    @property
    def route_path(self) -> str:
        """Where the files are served, relative to the OpenAPI router."""
        return f"/assets/{self.name}-{self.version}"

    def mount(self, router: Router) -> str:
        """Serves the package's files under ``router``; returns their URL prefix."""
        router.register(
            create_static_files_router(
                path=self.route_path,
                directories=[self.directory],
                name=f"docs-assets-{self.name}",
                cache_control=ASSET_CACHE_CONTROL,
                include_in_schema=False,
            )
        )
        return router.path.rstrip("/") + self.route_path


REDOC: Final = VendoredPackage(name="redoc", version="2.5.4")
SWAGGER_UI: Final = VendoredPackage(name="swagger-ui-dist", version="5.35.0")


def _spec_in_script(spec_json: bytes) -> bytes:
    """The OpenAPI document as a JS literal inside <script>: text such as ``</script>`` or
    ``<!--`` in a description must not end or upset the script. ``<`` only occurs inside
    JSON strings, where ``\\u003c`` is the same character."""
    return spec_json.replace(b"<", b"\\u003c")


class _VendoredPage(OpenAPIRenderPlugin):
    """A documentation page whose scripts and styles come from one vendored package."""

    package: VendoredPackage

    def __init__(self, *, path: str) -> None:
        # No favicon: Litestar's default one lives on jsdelivr.
        super().__init__(path=path, favicon="", style=_BODY_STYLE)
        # Replaced by the mounted prefix in receive_router, which runs before any page is
        # served; until then still a path on this host, never a CDN.
        self.assets_url = self.package.route_path

    def receive_router(self, router: Router) -> None:
        super().receive_router(router)
        self.assets_url = self.package.mount(router)

    def _head(self, openapi_schema: dict[str, Any], assets: str) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        return (
            "<!DOCTYPE html><html><head>"
            '<meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"{_IMAGES_FROM_THIS_HOST}<title>{title}</title>{assets}{self.style}</head>"
        ).encode()


class RedocPage(_VendoredPage):
    """Redoc, read-only reference documentation; also the page at the OpenAPI root."""

    package = REDOC

    def __init__(self, *, path: str = "/redoc") -> None:
        super().__init__(path=path)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        script = f'<script src="{self.assets_url}/redoc.standalone.js"></script>'
        return b"".join(
            [
                self._head(openapi_schema, script),
                b"<body><div id='redoc-container'></div><script>Redoc.init(",
                _spec_in_script(self.render_json(request, openapi_schema)),
                b", {}, document.getElementById('redoc-container'))</script></body></html>",
            ]
        )


class SwaggerPage(_VendoredPage):
    """Swagger UI, for trying requests against this server."""

    package = SWAGGER_UI

    def __init__(self, *, path: str = "/swagger") -> None:
        super().__init__(path=path)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        assets = (
            f'<link rel="stylesheet" href="{self.assets_url}/swagger-ui.css">'
            f'<script src="{self.assets_url}/swagger-ui-bundle.js"></script>'
        )
        # validatorUrl null: otherwise Swagger UI may show a badge image from
        # validator.swagger.io. The standalone preset (top bar) is not used, so not loaded.
        return b"".join(
            [
                self._head(openapi_schema, assets),
                b"<body><div id='swagger-container'></div><script>SwaggerUIBundle({spec: ",
                _spec_in_script(self.render_json(request, openapi_schema)),
                b", dom_id: '#swagger-container', validatorUrl: null, deepLinking: true,"
                b" showExtensions: true, showCommonExtensions: true,"
                b" presets: [SwaggerUIBundle.presets.apis]})</script></body></html>",
            ]
        )


def docs_render_plugins() -> list[OpenAPIRenderPlugin]:
    """The pages under the OpenAPI path: Redoc (also at the root), Swagger UI, and the
    document as JSON and YAML. Any other UI path (elements, rapidoc, scalar, ...) is 404.

    Call once per app: each page learns its asset URLs from the router it is mounted on.
    """
    return [RedocPage(), SwaggerPage(), JsonRenderPlugin(), YamlRenderPlugin()]
