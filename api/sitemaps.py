"""``/sitemap.xml``: the website's pages of published articles, public issues and authors,
at the addresses ``FRONTEND_URLS`` gives (``api.frontend``), with Django's sitemaps.

Up to 50,000 addresses (a sitemap's limit) it is one sitemap; beyond, an index of
sections (``/sitemap-articles.xml?p=2``). Drafts and articles scheduled for later are
never listed.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap, views
from django.http import Http404
from django.utils.functional import cached_property

from articles.models import Article, Author, Issue

from .frontend import templates, web_url


class FrontEndSitemap(Sitemap):
    """Records of one type at the website's addresses: the scheme and host come from the
    type's template, the rest of each address from ``web_url``."""

    kind = None

    @cached_property
    def paginator(self):
        # Once per sitemap: the view counts the addresses before Django's views page them.
        return super().paginator

    def _template(self):
        return urlsplit(templates(settings.FRONTEND_URLS)[self.kind])

    def get_protocol(self, protocol=None):
        return self._template().scheme

    def get_domain(self, site=None):
        return self._template().netloc

    def location(self, record):
        address = urlsplit(web_url(self.kind, record))
        return urlunsplit(("", "", address.path, address.query, address.fragment))


class ArticleSitemap(FrontEndSitemap):
    kind = "article"

    def items(self):
        return (
            Article.objects.published()
            .select_related("issue__publication")
            .only("slug", "published_at", "updated_at", "issue__slug", "issue__publication__slug")
            .order_by("published_at", "id")
        )

    def lastmod(self, article):
        return article.updated_at


class IssueSitemap(FrontEndSitemap):
    kind = "issue"

    def items(self):
        return Issue.objects.for_reader(AnonymousUser()).order_by("publication_id", "number")


class AuthorSitemap(FrontEndSitemap):
    kind = "author"

    def items(self):
        return Author.objects.for_reader(AnonymousUser()).order_by("slug")


SECTIONS = {"articles": ArticleSitemap, "issues": IssueSitemap, "authors": AuthorSitemap}


def _sections():
    """The sections of the types that have a website address; a 404 when none has."""
    configured = templates(settings.FRONTEND_URLS)
    sections = {name: cls() for name, cls in SECTIONS.items() if cls.kind in configured}
    if not sections:
        raise Http404("No FRONTEND_URLS are configured: the website's pages are unknown.")
    return sections


def sitemap(request):
    sections = _sections()
    addresses = sum(section.paginator.count for section in sections.values())
    if addresses <= FrontEndSitemap.limit:
        return views.sitemap(request, sections)
    return views.index(request, sections, sitemap_url_name="sitemap-section")


def sitemap_section(request, section):
    return views.sitemap(request, _sections(), section=section)
