import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from articles.models import Article
from tests.factories import ArticleFactory


@pytest.fixture
def api(db):
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def editor_api(editor):
    """An editor's API client, authenticated by DRF token as a script would be."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


@pytest.fixture
def unpublished(seed):
    """A draft and an article scheduled for tomorrow, beside the published seed."""
    draft = ArticleFactory(
        headline="Draft on the dockers", status=Article.Status.DRAFT, published_at=None
    )
    scheduled = ArticleFactory(
        headline="Scheduled on the miners",
        published_at=timezone.now() + dt.timedelta(days=1),
    )
    return draft, scheduled


@pytest.fixture
def throttle_rate(monkeypatch):
    """Set the anonymous rate for one test (``None``: unthrottled).

    DRF copies ``DEFAULT_THROTTLE_RATES`` into the throttle class when it is imported, so
    overriding the setting alone would not reach it.
    """

    def set_rate(rate):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": rate})

    return set_rate


@pytest.fixture
def unthrottled(throttle_rate):
    """No anonymous throttle, for tests that send many requests on purpose."""
    throttle_rate(None)
