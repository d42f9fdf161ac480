"""The editorial admin. The article page is where an editor lives: bylines, images and
the reading list (groups, entries and the books they name) are edited in place.

Each module registers its models' admin classes: ``articles`` the article page and its
parts' inlines, ``catalogue`` publications, issues, authors and books, ``parts`` the
article parts' own pages, ``imports`` the import page the article list links to.
"""

from . import articles, catalogue, parts

__all__ = ["articles", "catalogue", "parts"]
