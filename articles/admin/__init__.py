"""The editorial admin. The article page is where an editor lives: bylines, images and
the reading list (groups, entries and the books they name) are edited in place.

Each module registers its models' admin classes: ``articles`` the article page and its
parts' inlines, ``catalogue`` publications, issues, authors and books, ``parts`` the
article parts' own pages, ``imports`` the import page the article list links to.
"""

from django.contrib import admin
from django.urls import reverse_lazy

from . import articles, catalogue, parts

# "View site" opens what the archive serves: the API's root, which lists its resources.
admin.site.site_url = reverse_lazy("api:api-root")

__all__ = ["articles", "catalogue", "parts"]
