"""``fields=body`` on a list: a crawler exporting the full text need not fetch every detail."""

import pytest

from tests.factories import ArticleFactory

ARTICLES = "/api/v1/articles/"
SEED = f"{ARTICLES}trotskys-socialism/"


def test_a_list_gives_the_body_when_fields_names_it(api, seed):
    detail = api.get(SEED).json()
    [item] = api.get(ARTICLES, {"fields": "slug,body,body_html,blocks"}).json()["results"]
    assert list(item) == ["slug", "body", "body_html", "blocks"]
    assert (item["body"], item["body_html"], item["blocks"]) == (
        detail["body"],
        detail["body_html"],
        detail["blocks"],
    )


def test_without_fields_a_list_has_no_body(api, seed):
    [item] = api.get(ARTICLES).json()["results"]
    assert not {"body", "body_html", "blocks"} & set(item)


def test_full_texts_come_at_most_twenty_to_a_page(api, seed):
    response = api.get(ARTICLES, {"fields": "slug,body", "page_size": 21})
    assert response.status_code == 400
    assert response.json() == {
        "page_size": ["Must be at most 20 when fields names body, body_html or blocks."]
    }
    assert api.get(ARTICLES, {"fields": "slug", "page_size": 21}).status_code == 200


def test_a_search_lists_bodies_with_their_highlight(api, seed):
    [item] = api.get(ARTICLES, {"q": "trotsky", "fields": "body,highlight"}).json()["results"]
    assert "<mark>" in item["highlight"] and item["body"].startswith("Seventy years ago")


@pytest.mark.parametrize("fields", ["slug,headline", "slug,body,blocks"])
def test_the_body_costs_no_more_queries(api, db, django_assert_num_queries, fields):
    """Loaded with the page's one query (and the count's), however many articles."""
    ArticleFactory.create_batch(15)
    with django_assert_num_queries(2):
        response = api.get(ARTICLES, {"fields": fields})
    assert len(response.json()["results"]) == 15
