"""Rendering a page as PDF with WeasyPrint, fetching nothing over the network.

WeasyPrint fetches what the HTML names (stylesheets, images) through a URL fetcher.
Ours serves this site's static files from disk and refuses everything else — another
host, a media file, a `file:` URL — so rendering a PDF can never be made to reach out
to the network or read a file outside the static files (a path that climbs out of
them is refused as well).

WeasyPrint draws inline SVG itself but does not apply the page's stylesheets to it: the
run chart's strokes and fills (static/css/app.css) are given to each SVG as a <style>
of its own (static/css/a3-svg.css), in the PDF only — a browser would refuse an inline
<style> under the Content Security Policy, and needs none.
"""

import mimetypes
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

SVG_STYLESHEET = "css/a3-svg.css"


class StaticFilesOnly(URLFetcher):
    """Serves `<base_url>/<STATIC_URL>…` from the static files on disk (the app
    directories' in development, STATIC_ROOT's collected, hashed names in production)
    and `data:` URLs (decoded in memory); refuses every other URL."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(allowed_protocols={"http", "https", "data"}, **kwargs)
        self.static_prefix = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(self.static_prefix):
            raise ValueError(f"Not fetched, only this site's static files are: {url}")
        name = unquote(urlsplit(url).path[len(urlsplit(self.static_prefix).path) :])
        path = static_file(name)
        if path is None:
            raise ValueError(f"No such static file: {name}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def static_file(name: str) -> Path | None:
    """The file of static file `name`, or None — never a file outside the static files."""
    normal = posixpath.normpath(name)
    if normal.startswith(("../", "/")) or normal in ("..", "."):
        return None
    found = finders.find(normal)
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        try:
            path = Path(safe_join(settings.STATIC_ROOT, normal))
        except SuspiciousFileOperation:  # outside STATIC_ROOT
            return None
        if path.is_file():
            return path
    return None


def with_svg_styles(html: str) -> str:
    """Each <svg> with the chart stylesheet as its own <style> (see the module's doc).
    Inside SVG a <style> is not raw text, as it is in HTML: its comments go, so that
    nothing in them can read as markup."""
    css = static_file(SVG_STYLESHEET).read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL).strip()
    return re.sub(r"(<svg\b[^>]*>)", lambda m: f"{m.group(1)}<style>{css}</style>", html)


def render(request, template: str, context: dict, *, base_url: str) -> bytes:
    """The PDF of `template` rendered with `context`, its URLs resolved against
    `base_url` (this site's address) and fetched by StaticFilesOnly."""
    html = with_svg_styles(render_to_string(template, context, request=request))
    fetcher = StaticFilesOnly(base_url)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
