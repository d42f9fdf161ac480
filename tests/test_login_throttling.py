"""The admin's login refuses a password guesser: a few failures, then 429 for a while."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

PASSWORD = "a-long-test-password"


@pytest.fixture
def chief(django_user_model, settings):
    # A fast hash: the test is about counting attempts, not about the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return django_user_model.objects.create_user("chief", password=PASSWORD, is_staff=True)


def log_in(client, password, address="203.0.113.7", username="chief"):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_five_failures_lock_the_address_out_even_with_the_right_password(client, chief, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, "wrong").status_code == 429
    assert log_in(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_address_still_signs_in(client, chief, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD, address="198.51.100.2").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, chief, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong")
    later = timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert log_in(client, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_buys_no_fresh_attempts(client, chief, settings):
    """Without NUM_PROXIES the address is REMOTE_ADDR, whatever X-Forwarded-For says."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/",
            {"username": "chief", "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    assert log_in(client, PASSWORD).status_code == 429
