"""Render the stored documents (``api.documents``) that are missing or were rendered
under other settings or an older format: after ``migrate`` on an archive loaded before
documents existed, and after a change of ``FRONTEND_URLS``, ``TIME_ZONE`` or
``MEDIA_URL``. Until then those articles are served by the serializers, as they are."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from api import documents
from articles.models import Article


class Command(BaseCommand):
    help = "Render the API's stored article documents that are missing or out of date."

    def handle(self, *args, **options):
        current = documents.fingerprint()
        stale = Article.objects.exclude(document__fingerprint=current).order_by("pk")
        total = stale.count()
        started, done, after = time.monotonic(), 0, 0
        while ids := list(stale.filter(pk__gt=after).values_list("pk", flat=True)[:1000]):
            # One transaction a thousand: a long run keeps what it rendered if stopped.
            with transaction.atomic():
                documents.render(ids)
            done, after = done + len(ids), ids[-1]
            if options["verbosity"] > 1:
                self.stdout.write(f"{done:,} of {total:,} rendered")
        seconds = time.monotonic() - started
        rate = f", {done / seconds:,.0f} a second" if done and seconds else ""
        self.stdout.write(f"Rendered {done:,} article documents in {seconds:.1f} s{rate}.")
