"""A front end's first script, written against the generated client alone: it lists
the articles, searches, walks the list by cursor, renders the seed's page and reads the
change feed after a cursor (from its start without one), as an anonymous reader, and
prints what it read as JSON. Run: ``python read_archive.py URL [CURSOR]``."""

import json
import sys

from archive_client import Client
from archive_client.api.articles import articles_list, articles_retrieve
from archive_client.api.changes import changes_list
from archive_client.models import (
    ArticleDetail,
    ArticlesListFieldsItem,
    ArticlesListOrderingItem,
    ChangePage,
    PaginatedArticleListList,
)
from archive_client.types import UNSET, Unset


def changes_since(client: Client, since: str | None) -> tuple[list[list[str]], str | None]:
    """Every event after ``since``, as [action, type, slug or id], and the cursor to come
    back with, as a mirror keeps it."""
    events: list[list[str]] = []
    cursor = since
    while True:
        page = changes_list.sync(client=client, since=cursor or UNSET)
        assert isinstance(page, ChangePage)
        events += [
            [event.action.value, event.type_.value, event.slug or str(event.id)]
            for event in page.results
        ]
        cursor = page.cursor
        if not page.more:
            return events, cursor


def main(base_url: str, since: str | None = None) -> dict[str, object]:
    client = Client(base_url=base_url, raise_on_unexpected_status=True)

    listed = articles_list.sync(client=client, page_size=5)
    assert isinstance(listed, PaginatedArticleListList)

    found = articles_list.sync(
        client=client,
        q="permanent revolution",
        fields=[ArticlesListFieldsItem.SLUG, ArticlesListFieldsItem.HIGHLIGHT],
    )
    assert isinstance(found, PaginatedArticleListList)
    highlights = [hit.highlight for hit in found.results if isinstance(hit.highlight, str)]

    walked: list[str] = []
    cursor: str | None = ""
    while cursor is not None:
        page = articles_list.sync(
            client=client,
            cursor=cursor,
            page_size=2,
            ordering=[ArticlesListOrderingItem.HEADLINE_DESC],
        )
        assert isinstance(page, PaginatedArticleListList)
        walked += [item.slug for item in page.results if isinstance(item.slug, str)]
        cursor = page.cursor if isinstance(page.cursor, str) else None

    detail = articles_retrieve.sync(slug="trotskys-socialism", client=client)
    assert isinstance(detail, ArticleDetail)
    issue = detail.issue
    authors = detail.authors
    assert not isinstance(issue, Unset) and not isinstance(authors, Unset)
    blocks = detail.blocks
    assert not isinstance(blocks, Unset)
    page_html = "".join(
        f"<h2>{block.text}</h2>" if block.type_ == "heading" else f"<p>{block.text}</p>"
        for block in blocks
    )
    changes, cursor = changes_since(client, since)
    return {
        "count": listed.count,
        "highlights": highlights,
        "walked": walked,
        "headline": detail.headline,
        "issue": issue.number,
        "authors": [author.name for author in authors],
        "page": page_html,
        "changes": changes,
        "cursor": cursor,
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:3])))
