"""What django-reversion keeps a version of, and what each version brings along.

An article's revision holds the article with its parts (bylines, images, reading list
groups, their entries and the entries' book links) through ``follow``, so one revision
is the whole article as a reader sees it; its topics come with the article's own version,
as the ids of its many-to-many field. Users are kept without their password hash
and last login: the audit trail says who changed a user's name, groups or permissions.
"""

import reversion
from django.contrib.auth.models import Group, User

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Book,
    BookAuthor,
    Image,
    Issue,
    Publication,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
    Topic,
)

# The relations an article's revision follows, and those of its parts.
ARTICLE_FOLLOWS = {
    Article: ("bylines", "images", "reading_groups"),
    ReadingListGroup: ("entries",),
    ReadingListEntry: ("links",),
    ArticleAuthor: (),
    Image: (),
    ReadingListEntryBook: (),
}


def register_models() -> None:
    for model, follow in ARTICLE_FOLLOWS.items():
        reversion.register(model, follow=follow)
    reversion.register(Book, follow=("credits",))
    for model in (Publication, Issue, Author, Topic, BookAuthor, Group):
        reversion.register(model)
    reversion.register(User, exclude=("password", "last_login"))
