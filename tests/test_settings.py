"""Settings come from the environment; production mode refuses to run half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "test-only-" + "x" * 50,
    "ALLOWED_HOSTS": "archive.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://archive.example.org",
    "AWS_STORAGE_BUCKET_NAME": "archive-media",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
}


def manage(*args, **environ):
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION}
    env.pop("DATABASE_URL", None)
    env.update(environ)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_mode_refuses_to_start_without(missing):
    environ = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = manage("check", **environ)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_production_settings_pass_the_deploy_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_task_queue_is_warned_of():
    environ = {key: value for key, value in PRODUCTION.items() if key != "CELERY_BROKER_URL"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **environ)
    assert result.returncode != 0
    assert "archive.W001" in result.stderr + result.stdout


def test_development_defaults(settings):
    """Nothing set: SQLite in the project folder, London time, aware datetimes."""
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.USE_TZ is True


def test_database_url_switches_the_engine():
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    default = manage("shell", "-v", "0", "-c", code)
    postgres = manage(
        "shell", "-v", "0", "-c", code, DATABASE_URL="postgres://u@db.example:5432/archive"
    )
    assert default.stdout.strip() == "django.db.backends.sqlite3"
    assert postgres.stdout.strip() == "django.db.backends.postgresql"


def test_production_keeps_images_off_the_app_servers():
    """Production mode stores media in object storage unless told otherwise."""
    code = "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"
    production = manage("shell", "-v", "0", "-c", code, **PRODUCTION)
    assert production.stdout.strip() == "storages.backends.s3.S3Storage", production.stderr
    environ = {key: value for key, value in PRODUCTION.items() if key != "AWS_STORAGE_BUCKET_NAME"}
    refused = manage("check", **environ)
    assert refused.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in refused.stderr


def test_frontend_preview_url_needs_a_place_for_the_token():
    """A preview URL without ``{token}`` would send every editor to the same page."""
    refused = manage("check", FRONTEND_PREVIEW_URL="https://www.example.org/preview")
    assert refused.returncode != 0
    assert "FRONTEND_PREVIEW_URL must contain {token}" in refused.stderr
    code = "from django.conf import settings; print(settings.FRONTEND_PREVIEW_URL)"
    url = "https://www.example.org/preview?token={token}"
    assert manage("shell", "-v", "0", "-c", code, FRONTEND_PREVIEW_URL=url).stdout.strip() == url


def test_import_jobs_run_at_once_unless_a_broker_is_configured():
    """No CELERY_BROKER_URL (the Quick start): jobs run in the process that enqueues them,
    with no worker; with one, they go to its workers, acknowledged once done."""
    show = (
        "from archive.celery import app; c = app.conf; "
        "print(c.task_always_eager, c.broker_url, c.task_acks_late, c.task_reject_on_worker_lost)"
    )
    alone = manage("shell", "-c", show, CELERY_BROKER_URL="")
    assert alone.stdout.splitlines()[-1].split() == ["True", "memory://", "True", "True"], (
        alone.stderr
    )
    queued = manage("shell", "-c", show, CELERY_BROKER_URL="redis://127.0.0.1:6379/1")
    assert queued.stdout.splitlines()[-1].split() == [
        "False",
        "redis://127.0.0.1:6379/1",
        "True",
        "True",
    ]
