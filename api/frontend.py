"""Front-end URLs: where the website built on the API shows each record.

``FRONTEND_URLS`` maps a type to a URL template, as comma-separated ``type=template``
pairs::

    home=https://www.example.org/,article=https://www.example.org/{year}/{slug}/

Articles, issues and authors then carry ``web_url``, the feeds link there, and
``/sitemap.xml`` lists them. A type without a template has no ``web_url`` (null). The
website's home page (``home``) is the latest articles feed's link.
"""

import string
from functools import cache

from django.conf import settings
from django.core.checks import Error, register

# What each type's template may name, from the record the API already has in hand.
PLACEHOLDERS = {
    "article": {
        "slug": lambda article: article.slug,
        "year": lambda article: f"{article.published_at.year:04}",
        "month": lambda article: f"{article.published_at.month:02}",
        "day": lambda article: f"{article.published_at.day:02}",
        "issue": lambda article: article.issue.slug,
        "publication": lambda article: article.issue.publication.slug,
    },
    "issue": {
        "slug": lambda issue: issue.slug,
        "number": lambda issue: str(issue.number),
        "publication": lambda issue: issue.publication.slug,
    },
    "author": {"slug": lambda author: author.slug},
    "home": {},
}


def web_url(kind: str, record) -> str | None:
    """Where the front end shows ``record``; None without a template, and for an article
    with no publication time (a draft), which has no public page."""
    template = templates(settings.FRONTEND_URLS).get(kind)
    if template is None or (kind == "article" and record.published_at is None):
        return None
    values = PLACEHOLDERS[kind]
    return template.format_map({name: values[name](record) for name in _names(template)})


@cache
def templates(setting: str) -> dict[str, str]:
    """The templates ``FRONTEND_URLS`` gives, by type."""
    pairs = (pair.partition("=") for pair in setting.split(",") if pair.strip())
    return {kind.strip(): template.strip() for kind, _, template in pairs}


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@register()
def check_frontend_urls(app_configs, **kwargs):
    """``FRONTEND_URLS`` names known types, and placeholders each type has."""
    errors = []
    for kind, template in templates(settings.FRONTEND_URLS).items():
        if kind not in PLACEHOLDERS:
            errors.append(
                Error(
                    f"FRONTEND_URLS names the type {kind!r}; known types are "
                    f"{', '.join(PLACEHOLDERS)}.",
                    id="api.E001",
                )
            )
        elif unknown := _names(template) - PLACEHOLDERS[kind].keys():
            errors.append(
                Error(
                    f"FRONTEND_URLS' {kind} template names {', '.join(sorted(unknown))}; "
                    f"it may name {', '.join(PLACEHOLDERS[kind])}.",
                    id="api.E002",
                )
            )
    return errors
