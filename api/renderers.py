"""The API's renderers: JSON that passes stored documents through, the browsable API,
and articles as citations.

The browsable API runs under the site's Content-Security-Policy. DRF's templates put
``style`` attributes and an inline ``<style>`` (the code highlighting) in the page, so its
pages alone allow inline styles. Scripts stay as strict as everywhere else: DRF's pages
run only their own static files.
"""

import json
import uuid

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers

from . import citations
from .documents import StoredJSON


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON, with stored documents (``api.documents``) written as they are: the
    whole answer, or the items of its lists of them (a page's ``results``, the
    ``articles`` an issue's page embeds)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, StoredJSON):
            return data.text.encode()
        stored = {
            key: value
            for key, value in (data.items() if isinstance(data, dict) else ())
            if isinstance(value, list) and value and isinstance(value[0], StoredJSON)
        }
        if not stored:
            return super().render(data, accepted_media_type, renderer_context)
        # The envelope is DRF's; random stand-ins mark where the items go.
        stand_ins = {key: f"{key}-{uuid.uuid4().hex}" for key in stored}
        envelope = super().render({**data, **stand_ins}, accepted_media_type, renderer_context)
        for key, items in stored.items():
            spliced = ",".join(item.text for item in items)
            envelope = envelope.replace(f'"{stand_ins[key]}"'.encode(), f"[{spliced}]".encode(), 1)
        return envelope


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # Read by django-csp's middleware: added to the site's policy for this answer.
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)


class CitationRenderer(renderers.BaseRenderer):
    """An article, or a page of a list of articles, as a citation file (``api.citations``).

    It renders the serializer's data, so a response from the cache renders like any
    other; the view answers errors in JSON (``ArticleViewSet.handle_exception``), never
    through here. ``fields`` names what the data must hold: the view serializes just those.
    """

    charset = "utf-8"
    extension = ""
    fields = ("slug", "url", "web_url", "headline", "published_at", "issue", "authors")

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        view, response = renderer_context.get("view"), renderer_context.get("response")
        many = getattr(view, "action", None) == "list"
        items = [citations.citation(article) for article in (data["results"] if many else [data])]
        if response is not None:
            name = "articles" if many else data["slug"]
            response["Content-Disposition"] = f'attachment; filename="{name}.{self.extension}"'
        return self.write(items, many=many).encode(self.charset)

    def write(self, items, *, many):
        raise NotImplementedError


class BibTeXRenderer(CitationRenderer):
    media_type = "application/x-bibtex"
    format = "bibtex"
    extension = "bib"

    def write(self, items, *, many):
        return citations.bibtex(items)


class RISRenderer(CitationRenderer):
    media_type = "application/x-research-info-systems"
    format = "ris"
    extension = "ris"

    def write(self, items, *, many):
        return citations.ris(items)


class CSLRenderer(CitationRenderer):
    """CSL-JSON: one item for an article, as DOI content negotiation answers, and an array
    of items, the shape of a CSL-JSON file, for a page of a list."""

    media_type = "application/vnd.citationstyles.csl+json"
    format = "csl"
    extension = "json"

    def write(self, items, *, many):
        data = [citations.csl(item) for item in items] if many else citations.csl(items[0])
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


CITATION_RENDERERS = (BibTeXRenderer, RISRenderer, CSLRenderer)
