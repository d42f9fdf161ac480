"""Our note on each django-reversion revision: where the change came from, what it did
and which fields it changed. Article revisions also name their article, so an article's
history is one indexed query."""

from django.db import models
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
