"""The admin's coverage page of a publication: issues and articles per year as an SVG chart
and a table, and the missing issues, each gap linked for the archivist to fill."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from articles.models import Article, Publication
from tests.factories import ArticleFactory, IssueFactory


@pytest.fixture
def publication(seed):
    """The seed's publication, holding 2210 (dated 2009), 2211, a draft-only 2213, and the
    seed's 2215 (2010): 2212 and 2214 are missing for anyone, 2213 for the public."""
    publication = Publication.objects.get(slug="socialist-worker")
    dated = IssueFactory(publication=publication, number=2210, date=dt.date(2009, 6, 6))
    ArticleFactory(issue=dated, published_at=dt.datetime(2009, 6, 6, 9, tzinfo=dt.UTC))
    IssueFactory(publication=publication, number=2211)
    ArticleFactory(
        issue=IssueFactory(publication=publication, number=2213),
        status=Article.Status.DRAFT,
        published_at=None,
    )
    return publication


def coverage_url(publication):
    return reverse("admin:articles_publication_coverage", args=[publication.pk])


def test_the_page_draws_the_chart_lists_the_gaps_and_the_same_figures(editor_client, publication):
    response = editor_client.get(coverage_url(publication))
    assert response.status_code == 200
    page = response.content.decode()
    # The chart: accessible, one bar per year and measure, no inline style or script.
    svg = re.search(r"<figure class=\"coverage-chart\">.*?</svg>", page, re.DOTALL).group()
    assert '<title id="coverage-chart-title">' in svg and '<desc id="coverage-chart-desc">' in svg
    assert 'role="img"' in svg
    assert svg.count("<rect") == 4  # 2009 and 2010, issues and articles
    assert "<title>2009: 1 issues</title>" in svg and "<title>2010: 1 articles</title>" in svg
    assert "style=" not in page.split("<body", 1)[1] and "<script>" not in page
    # The table, with the editor's draft-only issue held and undated.
    table = re.search(r'<table class="coverage-years"[^>]*>.*?</table>', page, re.DOTALL).group()
    rows = re.findall(r"<tr[^>]*><th scope=\"row\">(\w+)</th><td>(\d+)</td><td>(\d+)</td>", table)
    assert rows == [("2009", "1", "1"), ("2010", "1", "1"), ("Undated", "2", "1")]
    # The gaps, each linked to the issues around it and to adding its first issue.
    gaps = re.findall(r"<th scope=\"row\">(No[^<]*)</th>", _gaps(page))
    assert gaps == ["No. 2212", "No. 2214"]
    issues = reverse("admin:articles_issue_changelist")
    around = f"?publication__id__exact={publication.pk}&amp;number__gte=2211&amp;number__lte=2213"
    assert issues + around in page
    add = reverse("admin:articles_issue_add") + f"?publication={publication.pk}&amp;number=2212"
    assert add in page
    assert "count as held here" in page


def _gaps(page):
    return re.search(r'<table class="coverage-gaps"[^>]*>.*?</table>', page, re.DOTALL).group()


def test_the_gap_links_answer(editor_client, publication):
    """The changelist filtered around a gap lists its neighbours; the add page is prefilled."""
    page = editor_client.get(coverage_url(publication)).content.decode()
    around, add = re.findall(r'href="(/admin/articles/issue/[^"]*number[^"]*)"', _gaps(page))[:2]
    listed = editor_client.get(around.replace("&amp;", "&"))
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 2  # 2211 and 2213 around 2212
    form = editor_client.get(add.replace("&amp;", "&")).context["adminform"].form
    assert form.initial["number"] == "2212"


def test_a_reader_of_published_articles_only_sees_the_public_coverage(
    client, newsroom_user, publication
):
    """Who may view publications but not articles counts as the public API does: the
    draft-only issue is a gap."""
    client.force_login(newsroom_user("archivist", permissions=["view_publication"]))
    page = client.get(coverage_url(publication)).content.decode()
    assert "No. 2213" not in page and "Nos. 2212–2214" in page
    assert "count as held here" not in page


def test_the_publication_pages_link_to_it(editor_client, publication):
    url = coverage_url(publication)
    change = reverse("admin:articles_publication_change", args=[publication.pk])
    assert f'href="{url}"' in editor_client.get(change).content.decode()
    changelist = reverse("admin:articles_publication_changelist")
    assert f'href="{url}"' in editor_client.get(changelist).content.decode()


def test_an_empty_publication_has_no_chart_and_no_gaps(editor_client, db):
    empty = Publication.objects.create(name="International Socialism", slug="isj")
    page = editor_client.get(coverage_url(empty)).content.decode()
    assert "coverage-chart" not in page and "holds no issue" in page and "Nothing yet." in page


def test_it_refuses_users_without_the_view_permission(client, newsroom_user, publication):
    client.force_login(newsroom_user("contributor", permissions=["view_article"]))
    assert client.get(coverage_url(publication)).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client, publication):
    response = client.get(coverage_url(publication))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_an_unknown_publication_is_a_404(editor_client, db):
    assert editor_client.get("/admin/articles/publication/999999/coverage/").status_code == 404


def test_the_page_carries_the_strict_policy(editor_client, publication):
    from tests.test_csp import POLICY, policy

    assert policy(editor_client.get(coverage_url(publication))) == POLICY
