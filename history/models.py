"""Our note on each django-reversion revision: where the change came from, what it did
and which fields it changed. Article revisions also name their article, so an article's
history is one indexed query."""

from django.db import models
from django.db.models import Q
from reversion.models import Revision


class Change(models.Model):
    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        API = "api", "API"
        IMPORT = "import", "Import"
        ACTION = "action", "Bulk action"

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"
        RESTORED = "restored", "Restored"
        # The article as it was before its first recorded change.
        BASELINE = "baseline", "As it was"

    revision = models.OneToOneField(
        Revision, on_delete=models.CASCADE, related_name="change", primary_key=True
    )
    source = models.CharField(
        max_length=10,
        choices=Source,
        blank=True,
        help_text="Where the change was made; empty for a baseline, which made no change.",
    )
    action = models.CharField(max_length=10, choices=Action, default=Action.CHANGED)
    changed_fields = models.JSONField(
        default=list,
        blank=True,
        help_text="The names of the fields the change altered (for an article, also "
        "“authors”, “images” and “reading_list”).",
    )
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
        help_text="The article this revision is of; empty for other records, and once "
        "the article is deleted.",
    )

    class Meta:
        ordering = ("-revision_id",)
        indexes = [models.Index(fields=("article", "-revision"), name="change_article_idx")]

    def __str__(self):
        where = f" via {self.get_source_display()}" if self.source else ""
        return f"{self.get_action_display()}{where} (revision {self.pk})"


class Event(models.Model):
    """One entry of the change feed (``GET /api/v1/changes/``): a resource was created,
    updated or deleted, as one of two audiences sees it.

    Staff read every record as it is, so their feed (``staff``) has an event whenever a
    record is created, changes, or is deleted. Readers see only what is published, so
    theirs (``readers``) has an event when what they may see changes: a draft's
    publication is its ``created``, its unpublishing or deletion its ``deleted``, and a
    scheduled article's ``created`` is dated at its publication time. Events are written
    in the transaction of the change they record (``history.feed``), and each feed is
    read in (``at``, ``id``) order.
    """

    class Feed(models.TextChoices):
        STAFF = "staff", "Staff (drafts included)"
        READERS = "readers", "Readers (published only)"

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    class Type(models.TextChoices):
        PUBLICATION = "publication", "Publication"
        ISSUE = "issue", "Issue"
        ARTICLE = "article", "Article"
        AUTHOR = "author", "Author"
        BOOK = "book", "Book"
        TOPIC = "topic", "Topic"
        IMAGE = "image", "Image"

    id = models.BigAutoField(primary_key=True)
    feed = models.CharField(max_length=10, choices=Feed)
    at = models.DateTimeField(
        help_text="When the event enters its feed: the time of the change, or for readers "
        "of a scheduled article, its publication time."
    )
    action = models.CharField(max_length=10, choices=Action)
    type = models.CharField(max_length=12, choices=Type)
    object_id = models.BigIntegerField(help_text="The record's id.")
    slug = models.CharField(
        max_length=300, blank=True, help_text="The record's slug then; empty for images."
    )
    fingerprint = models.CharField(
        max_length=32,
        blank=True,
        help_text="A digest of the record's content then, so that a write that changes "
        "nothing is no event; empty when not known.",
    )

    class Meta:
        ordering = ("feed", "at", "id")
        indexes = [
            models.Index(fields=("feed", "at", "id"), name="event_feed_order_idx"),
            models.Index(fields=("feed", "type", "object_id", "id"), name="event_record_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["created", "updated", "deleted"]),
                name="event_action_valid",
            ),
        ]

    def __str__(self):
        name = self.slug or f"#{self.object_id}"
        return f"{self.feed}: {self.type} {name} {self.action} at {self.at:%Y-%m-%d %H:%M:%S}"
