"""RSS and Atom feeds of the latest published articles: all, per author and per issue.

Feeds are public whoever asks: an author or issue known only from drafts has no feed."""

import html
import math

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from rest_framework.exceptions import Throttled
from rest_framework.throttling import AnonRateThrottle

from articles.models import Article, Author, Issue

from .frontend import web_url

LATEST = 20


class LatestArticlesFeed(Feed):
    title = "Archive: latest articles"
    description = "The articles most recently published in the archive."

    # Feeds are read, never posted to: a POST is a 405 (``Allow: GET, HEAD``), not a
    # refusal of its missing CSRF token.
    csrf_exempt = True

    def __call__(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        # Feeds draw on the API's anonymous budget, answered in the API's words when spent.
        throttle = AnonRateThrottle()
        if not throttle.allow_request(request, self):
            refusal = Throttled(throttle.wait())
            return JsonResponse(
                {"detail": refusal.detail},
                status=refusal.status_code,
                headers={"Retry-After": str(math.ceil(refusal.wait))},
            )
        return super().__call__(request, *args, **kwargs)

    def link(self, obj=None):
        return web_url("home", None) or reverse("api:article-list")

    def articles(self, obj):
        return Article.objects.published().for_api_list()

    def items(self, obj=None):
        return self.articles(obj)[:LATEST]

    def item_link(self, article):
        return web_url("article", article) or article.get_absolute_url()

    def item_title(self, article):
        return article.headline

    def item_description(self, article):
        # Readers render RSS descriptions and Atom's ``type="html"`` summaries as HTML;
        # the standfirst is plain text, so it goes in escaped, to be shown as written.
        return html.escape(article.standfirst)

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        # The byline as for_api_list() embeds it: no query per article.
        return ", ".join(author["name"] for author in article.byline_data)


class AuthorArticlesFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Author.objects.for_reader(AnonymousUser()), slug=slug)

    def title(self, author):
        return f"Archive: articles by {author.name}"

    def description(self, author):
        return f"The latest articles by {author.name}."

    def link(self, author):
        return web_url("author", author) or reverse(
            "api:author-detail", kwargs={"slug": author.slug}
        )

    def articles(self, author):
        return super().articles(author).filter(bylines__author=author)


class IssueArticlesFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Issue.objects.for_reader(AnonymousUser()), slug=slug)

    def title(self, issue):
        return f"Archive: {issue}"

    def description(self, issue):
        return f"The articles of {issue}."

    def link(self, issue):
        return web_url("issue", issue) or reverse("api:issue-detail", kwargs={"slug": issue.slug})

    def articles(self, issue):
        return super().articles(issue).filter(issue=issue)


def atom(feed_class):
    """The same feed in Atom rather than RSS."""
    return type(f"Atom{feed_class.__name__}", (feed_class,), {"feed_type": Atom1Feed})
