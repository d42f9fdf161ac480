"""Topics: the list and detail with what each reader may count, the article list's
``topic`` filter, topics in article JSON, editors' writes, the cache, revisions, the
admin and the change feed (the interchange format's are in tests/importing)."""

import pytest
from django.urls import reverse

from articles.models import Article
from history.feed import record_existing
from history.models import Change
from tests.admin_forms import change_form
from tests.factories import ArticleFactory, TopicFactory

from .utils import NEW_ARTICLE, clear_cached_answers, slugs


@pytest.fixture
def filed(seed):
    """Three topics: ``strikes`` on two published articles and a draft, ``docks`` on one
    published article, ``secret`` on a draft alone."""
    strikes = TopicFactory(name="Strikes", slug="strikes")
    docks = TopicFactory(name="Docks", slug="docks")
    secret = TopicFactory(name="Secret plans", slug="secret")
    first = ArticleFactory(slug="first", topics=[strikes, docks])
    second = ArticleFactory(slug="second", topics=[strikes])
    ArticleFactory(
        slug="draft", status=Article.Status.DRAFT, published_at=None, topics=[strikes, secret]
    )
    return {"strikes": strikes, "docks": docks, "secret": secret, "first": first, "second": second}


def counts(response):
    assert response.status_code == 200, response.content
    return {item["slug"]: item["article_count"] for item in response.json()["results"]}


def test_anonymous_readers_count_published_articles_and_miss_draft_only_topics(api, filed):
    """A draft neither changes a public count nor shows a topic given only to drafts."""
    assert counts(api.get("/api/v1/topics/")) == {"docks": 1, "strikes": 2}
    assert api.get("/api/v1/topics/secret/").status_code == 404


def test_editors_count_drafts_too(editor_api, filed):
    assert counts(editor_api.get("/api/v1/topics/")) == {"docks": 1, "secret": 1, "strikes": 3}


def test_a_topic_without_articles_is_public_with_a_count_of_zero(api, seed):
    TopicFactory(name="Unions", slug="unions")
    assert counts(api.get("/api/v1/topics/")) == {"unions": 0}


def test_the_detail_lists_the_readers_articles_and_links_the_filtered_list(api, filed):
    body = api.get("/api/v1/topics/strikes/").json()
    assert body["name"] == "Strikes"
    assert body["article_count"] == 2
    assert {article["slug"] for article in body["articles"]} == {"first", "second"}
    assert body["articles_url"].endswith("/api/v1/articles/?topic=strikes")


def test_the_topic_list_searches_names(api, filed):
    assert slugs(api.get("/api/v1/topics/", {"q": "stri"})) == ["strikes"]


def test_the_article_filter_means_any_of_the_topics(api, filed):
    assert set(slugs(api.get("/api/v1/articles/", {"topic": "docks"}))) == {"first"}
    both = api.get("/api/v1/articles/?topic=docks&topic=strikes")
    assert sorted(slugs(both)) == ["first", "second"]
    assert slugs(api.get("/api/v1/articles/", {"topic": ""}))  # empty: no filter


@pytest.mark.parametrize("value", ["nope", "secret", "bad\x00slug"])
def test_an_unknown_or_draft_only_topic_is_a_400_naming_the_parameter(api, filed, value):
    response = api.get("/api/v1/articles/", {"topic": value})
    assert response.status_code == 400
    assert "topic" in response.json()


def test_editors_filter_by_a_draft_only_topic(editor_api, filed):
    assert slugs(editor_api.get("/api/v1/articles/", {"topic": "secret"})) == ["draft"]


def test_article_json_carries_its_topics_by_name(api, filed):
    expected = [
        {"slug": "docks", "url": "http://testserver/api/v1/topics/docks/", "name": "Docks"},
        {"slug": "strikes", "url": "http://testserver/api/v1/topics/strikes/", "name": "Strikes"},
    ]
    assert api.get("/api/v1/articles/first/").json()["topics"] == expected
    listed = api.get("/api/v1/articles/", {"topic": "docks"}).json()["results"]
    assert listed[0]["topics"] == expected
    assert api.get("/api/v1/articles/trotskys-socialism/").json()["topics"] == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/v1/topics/", 1),
        ("/api/v1/topics/strikes/", 2),  # the topic, its articles
        ("/api/v1/articles/?topic=strikes&topic=docks", 2),  # the topics, the articles
        ("/api/v1/articles/", 1),
        ("/api/v1/articles/first/", 1),
    ],
)
def test_query_counts_are_pinned_and_flat(api, filed, django_assert_num_queries, url, expected):
    """The same count with a few articles and topics as with many more."""
    for grow in (False, True):
        if grow:
            topics = TopicFactory.create_batch(5)
            for _ in range(30):
                ArticleFactory(topics=[filed["strikes"], *topics])
        api.get(url)
        clear_cached_answers()
        with django_assert_num_queries(expected):
            response = api.get(url)
        assert response.status_code == 200, response.content


def test_editors_write_topics(editor_api, filed):
    created = editor_api.post(
        "/api/v1/topics/", {"name": "Miners’ strike", "description": "1984–85."}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["slug"] == "miners-strike"
    assert created.json()["article_count"] == 0
    taken = editor_api.post("/api/v1/topics/", {"name": "Strikes"}, format="json")
    assert taken.status_code == 400 and "name" in taken.json()
    renamed = editor_api.patch("/api/v1/topics/docks/", {"name": "Dockers"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["article_count"] == 1
    assert editor_api.delete("/api/v1/topics/docks/").status_code == 204
    assert list(filed["first"].topics.values_list("slug", flat=True)) == ["strikes"]


def test_anonymous_writes_are_refused(api, filed):
    assert api.post("/api/v1/topics/", {"name": "X"}, format="json").status_code == 401


def test_an_article_write_files_it_under_topics_by_slug(editor_api, filed):
    response = editor_api.post(
        "/api/v1/articles/", {**NEW_ARTICLE, "topics": ["strikes", "docks"]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert [topic["slug"] for topic in response.json()["topics"]] == ["docks", "strikes"]
    patched = editor_api.patch("/api/v1/articles/a-new-piece/", {"topics": []}, format="json")
    assert patched.json()["topics"] == []


@pytest.mark.parametrize(
    ("topics", "message"),
    [(["strikes", "nope"], "nope"), (["docks", "docks"], "Name each topic once: docks.")],
)
def test_an_article_write_refuses_unknown_or_repeated_topics(editor_api, filed, topics, message):
    response = editor_api.patch("/api/v1/articles/first/", {"topics": topics}, format="json")
    assert response.status_code == 400
    assert message in str(response.json()["topics"])
    assert sorted(filed["first"].topics.values_list("slug", flat=True)) == ["docks", "strikes"]


def test_assigning_topics_retires_cached_answers(api, filed):
    """The relation saves no model; its own signal retires the cache."""
    assert api.get("/api/v1/articles/second/").json()["topics"][0]["slug"] == "strikes"
    filed["second"].topics.set([filed["docks"]])
    assert [t["slug"] for t in api.get("/api/v1/articles/second/").json()["topics"]] == ["docks"]
    assert counts(api.get("/api/v1/topics/")) == {"docks": 2, "strikes": 1}
    filed["second"].topics.clear()
    assert api.get("/api/v1/articles/second/").json()["topics"] == []


def test_a_revision_records_a_topic_change(editor_api, filed):
    editor_api.patch("/api/v1/articles/second/", {"topics": ["docks"]}, format="json")
    change = Change.objects.filter(article=filed["second"]).latest("pk")
    assert change.changed_fields == ["topics"]
    revisions = editor_api.get("/api/v1/articles/second/revisions/").json()
    latest = revisions["results"][0] if "results" in revisions else revisions[0]
    assert latest["changed_fields"] == ["topics"]


def test_the_admin_restores_a_revisions_topics(admin_client, editor_api, filed):
    second = filed["second"]
    editor_api.patch("/api/v1/articles/second/", {"topics": ["docks"]}, format="json")
    editor_api.patch("/api/v1/articles/second/", {"topics": []}, format="json")
    first_change = Change.objects.filter(article=second).order_by("pk")
    revision = first_change.exclude(action=Change.Action.BASELINE).first().revision_id
    page = admin_client.get(reverse("admin:articles_article_revision", args=[second.pk, revision]))
    assert page.status_code == 200
    assert "Docks" in page.content.decode()
    restored = admin_client.post(
        reverse("admin:articles_article_restore", args=[second.pk, revision])
    )
    assert restored.status_code == 302
    assert list(second.topics.values_list("slug", flat=True)) == ["docks"]


def test_the_admin_pages_list_and_search_topics(admin_client, filed):
    listing = admin_client.get(reverse("admin:articles_topic_changelist"))
    assert listing.status_code == 200 and "Strikes" in listing.content.decode()
    page = admin_client.get(reverse("admin:articles_topic_change", args=[filed["strikes"].pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert f"?topics__id__exact={filed['strikes'].pk}" in content
    assert "All 3 articles filed under it" in content
    filtered = admin_client.get(
        reverse("admin:articles_article_changelist"), {"topics__id__exact": filed["docks"].pk}
    )
    assert filtered.status_code == 200
    assert filtered.context["cl"].result_count == 1


def test_contributors_find_topics_in_the_article_pages_search(client, newsroom_user, filed):
    """The article page's topic box searches topics: a Contributor may use it."""
    client.force_login(newsroom_user("writer", group="Contributors"))
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "topics", "term": "st"},
    )
    assert response.status_code == 200, response.content
    assert [item["text"] for item in response.json()["results"]] == ["Strikes"]


def test_an_article_change_page_files_it_under_topics(admin_client, filed):
    page = admin_client.get(reverse("admin:articles_article_change", args=[filed["first"].pk]))
    assert page.status_code == 200
    assert 'name="topics"' in page.content.decode()


def feed_events(client):
    response = client.get("/api/v1/changes/", {"page_size": 1000})
    assert response.status_code == 200, response.content
    return [(e["action"], e["type"], e["slug"]) for e in response.json()["results"]]


def test_the_change_feed_tells_of_topics_and_of_the_articles_that_list_them(
    editor_api, api, filed, settings
):
    """A topic's creation, rename and deletion are events; its articles are updated."""
    settings.CHANGES_FEED_DELAY = 0
    record_existing()
    created = editor_api.post("/api/v1/topics/", {"name": "Miners"}, format="json")
    assert created.status_code == 201
    editor_api.patch("/api/v1/topics/docks/", {"name": "Dockers"}, format="json")
    editor_api.delete("/api/v1/topics/strikes/")
    events = feed_events(api)
    assert ("created", "topic", "miners") in events
    assert ("updated", "topic", "docks") in events
    assert ("deleted", "topic", "strikes") in events
    assert ("updated", "article", "first") in events
    assert ("updated", "article", "second") in events
    # Readers hear nothing of the topic only a draft has.
    assert not [event for event in events if event[2] == "secret"]
    assert ("created", "topic", "secret") in feed_events(editor_api)


def test_the_article_page_saves_topics_as_a_revision(admin_client, filed):
    """Posted back untouched, the page changes nothing; a topic taken off is a revision."""
    first = filed["first"]
    url = reverse("admin:articles_article_change", args=[first.pk])
    data = {**change_form(admin_client, url), "_continue": "Save"}
    assert data["topics"] == [str(filed["docks"].pk), str(filed["strikes"].pk)]
    assert admin_client.post(url, data).status_code == 302
    assert not Change.objects.filter(article=first).exists()
    assert admin_client.post(url, {**data, "topics": [filed["docks"].pk]}).status_code == 302
    assert list(first.topics.values_list("slug", flat=True)) == ["docks"]
    change = Change.objects.filter(article=first).latest("pk")
    assert change.changed_fields == ["topics"] and change.source == "admin"
