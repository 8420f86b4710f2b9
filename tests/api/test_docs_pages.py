"""API documentation pages (接口文档) load nothing from another host, so they work offline and
in mainland China: every page under the OpenAPI path names only URLs on this host, and every
asset it names is served here with the right content type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.routes import HTTPRoute

from backend.platform.docs import ASSETS_DIR, REDOC, SWAGGER_UI, docs_render_plugins

HOST = "testserver"
UNSERVED_UIS = ("elements", "rapidoc", "scalar", "stoplight", "oauth2-redirect.html")
ASSET_TYPES = {
    ".js": {"text/javascript", "application/javascript"},
    ".css": {"text/css"},
}


class _LinkedUrls(HTMLParser):
    """Collects every src and href attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def linked_urls(page: str) -> list[str]:
    parser = _LinkedUrls()
    parser.feed(page)
    return parser.urls


def foreign_urls(page_url: str, urls: list[str]) -> list[str]:
    """The URLs that are not on the page's own host (a data: URI has no host: foreign too)."""
    page_host = urlsplit(page_url).netloc
    return [url for url in urls if urlsplit(urljoin(page_url, url)).netloc != page_host]


def page_paths(app: Litestar, openapi_path: str) -> list[str]:
    """Every fixed GET path the app registers under the OpenAPI path."""
    return sorted(
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        and "GET" in route.methods
        and route.path.startswith(openapi_path)
        and "{" not in route.path
    )


def _media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


async def assert_served_here(http: httpx.AsyncClient, app: Litestar, openapi_path: str) -> None:
    """Each docs page answers 200; each HTML page names only this host's URLs, which answer."""
    paths = page_paths(app, openapi_path)
    for ui in ("", "/redoc", "/swagger"):
        assert openapi_path + ui in paths
    for path in paths:
        page = await http.get(path)
        assert page.status_code == 200, path
        if _media_type(page) != "text/html":
            continue
        urls = linked_urls(page.text)
        assert foreign_urls(str(page.url), urls) == [], path
        assert urls, f"{path} names no assets"
        for url in urls:
            await assert_asset(http, urljoin(str(page.url), url))


async def assert_asset(http: httpx.AsyncClient, url: str) -> None:
    asset = await http.get(url)
    assert asset.status_code == 200, url
    suffix = url[url.rfind(".") :]
    assert suffix in ASSET_TYPES, f"unexpected asset {url}"
    assert _media_type(asset) in ASSET_TYPES[suffix], (url, asset.headers["content-type"])


async def assert_unserved_uis_are_404(http: httpx.AsyncClient, openapi_path: str) -> None:
    for ui in UNSERVED_UIS:
        page = await http.get(f"{openapi_path}/{ui}")
        assert page.status_code == 404, ui
        assert foreign_urls(str(page.url), linked_urls(page.text)) == [], ui


@get("/ping", sync_to_thread=False)
def ping() -> str:
    return "pong"


def docs_app(*, openapi_path: str = "/schema", title: str = "Docs (文档)") -> Litestar:
    config = OpenAPIConfig(
        title=title, version="1", path=openapi_path, render_plugins=docs_render_plugins()
    )
    return Litestar(route_handlers=[ping], openapi_config=config)


def client_for(app: Litestar) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{HOST}")


@pytest.fixture
async def docs() -> AsyncIterator[tuple[Litestar, httpx.AsyncClient]]:
    app = docs_app()
    async with client_for(app) as http:
        yield app, http


async def test_docs_pages_load_only_from_this_host(
    docs: tuple[Litestar, httpx.AsyncClient],
) -> None:
    app, http = docs
    await assert_served_here(http, app, "/schema")
    swagger = (await http.get("/schema/swagger")).text
    assert linked_urls(swagger) == [
        f"/schema/assets/swagger-ui-dist-{SWAGGER_UI.version}/swagger-ui.css",
        f"/schema/assets/swagger-ui-dist-{SWAGGER_UI.version}/swagger-ui-bundle.js",
    ]
    assert linked_urls((await http.get("/schema")).text) == [
        f"/schema/assets/redoc-{REDOC.version}/redoc.standalone.js"
    ]


async def test_schema_documents_are_still_served(
    docs: tuple[Litestar, httpx.AsyncClient],
) -> None:
    _, http = docs
    document = (await http.get("/schema/openapi.json")).json()
    assert "/ping" in document["paths"]
    for path in ("/schema/openapi.yaml", "/schema/openapi.yml"):
        yaml = await http.get(path)
        assert yaml.status_code == 200
        assert "/ping:" in yaml.text


async def test_assets_follow_another_openapi_path() -> None:
    app = docs_app(openapi_path="/api-docs")
    async with client_for(app) as http:
        await assert_served_here(http, app, "/api-docs")
        assert (await http.get(f"/schema/assets/redoc-{REDOC.version}/LICENSE")).status_code == 404


async def test_uis_that_are_not_vendored_are_404(
    docs: tuple[Litestar, httpx.AsyncClient],
) -> None:
    _, http = docs
    await assert_unserved_uis_are_404(http, "/schema")


async def test_assets_are_cached_for_a_year_under_a_versioned_url(
    docs: tuple[Litestar, httpx.AsyncClient],
) -> None:
    _, http = docs
    asset = await http.get(f"/schema/assets/redoc-{REDOC.version}/redoc.standalone.js")
    assert asset.status_code == 200
    directives = {part.strip() for part in asset.headers["cache-control"].split(",")}
    assert directives == {"public", "max-age=31536000", "immutable"}
    assert asset.content == (ASSETS_DIR / "redoc" / "redoc.standalone.js").read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        f"/schema/assets/redoc-{REDOC.version}/missing.js",
        f"/schema/assets/redoc-{REDOC.version}/..%2F..%2Fdocs.py",
        f"/schema/assets/redoc-{REDOC.version}/..%2Fswagger-ui-dist%2Fswagger-ui.css",
        "/schema/assets/redoc-0.0.1/redoc.standalone.js",
        "/schema/assets/README.md",
    ],
)
async def test_nothing_outside_the_vendored_files_is_served(
    docs: tuple[Litestar, httpx.AsyncClient], path: str
) -> None:
    _, http = docs
    assert (await http.get(path)).status_code == 404


async def test_swagger_asks_no_online_validator(
    docs: tuple[Litestar, httpx.AsyncClient],
) -> None:
    _, http = docs
    assert "validatorUrl: null" in (await http.get("/schema/swagger")).text


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
async def test_pages_forbid_images_from_other_hosts(
    docs: tuple[Litestar, httpx.AsyncClient], path: str
) -> None:
    # Redoc's sidebar names a logo on cdn.redoc.ly; the policy keeps the browser from asking.
    _, http = docs
    page = (await http.get(path)).text
    assert '<meta http-equiv="Content-Security-Policy" content="img-src \'self\'' in page


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
async def test_spec_text_cannot_end_the_page_script(path: str) -> None:
    app = docs_app(title="Docs <!--<script> </script><script>alert(1)</script>")
    async with client_for(app) as http:
        page = (await http.get(path)).text
    # Two scripts, the vendored bundle and the one starting it: no third from the title.
    assert page.count("</script>") == 2
    assert "<!--" not in page
    assert "\\u003c/script>\\u003cscript>alert(1)" in page
    assert "<title>Docs &lt;!--&lt;script&gt; &lt;/script&gt;" in page


def test_vendored_files_match_their_versions_and_licences() -> None:
    redoc = ASSETS_DIR / "redoc"
    swagger = ASSETS_DIR / "swagger-ui-dist"
    assert f'Version: "{REDOC.version}"' in (redoc / "redoc.standalone.js.LICENSE.txt").read_text()
    bundle = (swagger / "swagger-ui-bundle.js").read_text()
    assert f'PACKAGE_VERSION:"{SWAGGER_UI.version}"' in bundle
    assert "MIT License" in (redoc / "LICENSE").read_text()
    assert "Apache License" in (swagger / "LICENSE").read_text()
    readme = (ASSETS_DIR / "README.md").read_text()
    assert f"| {REDOC.version} |" in readme
    assert f"| {SWAGGER_UI.version} |" in readme


async def test_the_checks_catch_litestars_cdn_pages() -> None:
    """The stock pages load from CDNs; the checks above must say so (they can fail)."""
    stock = Litestar(
        route_handlers=[ping], openapi_config=OpenAPIConfig(title="T", version="1", path="/schema")
    )
    async with client_for(stock) as http:
        for ui in ("redoc", "swagger", "elements", "rapidoc"):
            page = await http.get(f"/schema/{ui}")
            assert foreign_urls(str(page.url), linked_urls(page.text)), ui
        with pytest.raises(AssertionError):
            await assert_served_here(http, stock, "/schema")


async def test_the_api_docs_pages_load_only_from_this_host(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """The real app: passes once backend/app.py passes render_plugins=docs_render_plugins()."""
    await assert_served_here(client, app, "/schema")
    await assert_unserved_uis_are_404(client, "/schema")
