"""The article page's history: revisions with who, when, where from and what changed; one
revision; the difference between two; restoring one. And no lost updates: the change
form remembers the version it was opened at, and a save over a newer version is refused
with what changed meanwhile.

Revisions are ``history``'s: kept by django-reversion, noted with ``history.Change``,
compared as ``history.states``. A save records a revision only when it changed
something (``history.recording.ArticleWrite``).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from reversion.errors import RevertError

from history.admin import RecordedDeletionsMixin
from history.diffs import state_diff
from history.models import Change
from history.recording import ArticleWrite
from history.states import Names, live_states, resolve, revision_states

from ..caching import records_changed
from ..models import Article
from ..publishing import NEEDS_PUBLISH_PERMISSION, changes_publication, may_publish

TEMPLATES = "admin/articles/article/"


class PublicationRefused(Exception):
    """A restore that would publish, unpublish or reschedule, by an editor who may not."""


def version_token(article_id: int, *, updated_at=None, lock: bool = False) -> str:
    """The version an article is at: when it last changed (read, and locked with
    ``lock``, unless given), and its latest revision."""
    if updated_at is None:
        articles = Article.objects.select_related(None).filter(pk=article_id)
        if lock:
            articles = articles.select_for_update()
        updated_at = articles.values_list("updated_at", flat=True).first()
    latest = Change.objects.filter(article_id=article_id).values_list("pk", flat=True).first()
    return f"{updated_at.isoformat() if updated_at else ''}|{latest or ''}"


def resolved_states(states: dict) -> dict:
    names = Names(states.values())
    return {key: resolve(state, names) for key, state in states.items()}


def diff_table(before: dict | None, after: dict) -> str:
    """The rows of ``state_diff`` as an HTML table."""
    rows = format_html_join(
        "",
        "<tr><th>{}</th><td>{}</td></tr>",
        (
            (
                row["label"],
                row["inline"]
                if row["inline"] is not None
                else format_html("<del>{}</del> <ins>{}</ins>", row["before"], row["after"]),
            )
            for row in state_diff(before, after)
        ),
    )
    return format_html('<table class="revision-diff">{}</table>', rows)


class VersionField(forms.CharField):
    """The version a form was opened at: it travels with the form and is never an edit, so
    a save that changes nothing else still changes nothing."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


def versioned_form(base):
    """``base`` with the hidden ``opened_version``: the version the form was opened at."""

    class VersionedArticleForm(base):
        opened_version = VersionField(required=False)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.pk and not self.is_bound:
                self.fields["opened_version"].initial = version_token(
                    self.instance.pk, updated_at=self.instance.updated_at
                )

        def clean(self):
            cleaned = super().clean()
            pk = self.instance.pk
            if pk is None:
                self.article_write = ArticleWrite()
                return cleaned
            current = version_token(pk, lock=True)
            opened = self.data.get(self.add_prefix("opened_version"), "")
            if opened and opened != current:
                # Saving again, having seen what changed, replaces it: say so, and let it.
                self.data = self.data.copy()
                self.data[self.add_prefix("opened_version")] = current
                raise ValidationError(conflict_message(pk, opened))
            self.article_write = ArticleWrite(pk)
            return cleaned

    VersionedArticleForm.__name__ = base.__name__
    return VersionedArticleForm


def conflict_message(article_id: int, opened: str):
    """What changed since the version a form was opened at, and what saving now does."""
    opened_revision = int(opened.partition("|")[2] or 0)
    since = Change.objects.filter(article_id=article_id, pk__gt=opened_revision)
    changes = list(since.select_related("revision__user").order_by("pk"))
    if not opened_revision and changes and changes[0].action == Change.Action.BASELINE:
        # Opened before the article's first revision: the baseline is what was opened.
        opened_revision = changes.pop(0).pk
    who = "; ".join(
        f"{c.revision.user or 'a command'} ({c.get_source_display()}, "
        f"{timezone.localtime(c.revision.date_created):%d %b %Y %H:%M}: "
        f"{', '.join(c.changed_fields) or c.get_action_display().lower()})"
        for c in changes
    )
    states = live_states([article_id])
    if opened_revision:
        states["opened"] = revision_states([opened_revision]).get(opened_revision)
    resolved = resolved_states({k: v for k, v in states.items() if v is not None})
    diff = diff_table(resolved.get("opened"), resolved[article_id]) if "opened" in resolved else ""
    return format_html(
        "Another editor saved this article after you opened it{}, so your changes were "
        "NOT saved; theirs are kept. What changed meanwhile:{}Your edits are still in the "
        "form below: saving again replaces their version with yours.",
        f" — {who}" if who else "",
        diff,
    )


def rows_deleted_meanwhile(formsets) -> list[str]:
    """The inline rows a posted form still edits but that no longer exist (another editor
    deleted them), each named by its kind: the inline's pk field refuses them."""
    gone = []
    for formset in formsets:
        pk_name = formset.model._meta.pk.name
        for form in formset.forms:
            errors = form.errors.as_data().get(pk_name, [])
            if any(error.code == "invalid_choice" for error in errors):
                gone.append(str(formset.model._meta.verbose_name))
            gone += rows_deleted_meanwhile(getattr(form, "nested_formsets", None) or [])
    return gone


class ArticleRevisionsAdminMixin(RecordedDeletionsMixin):
    """For ``ArticleAdmin``: revisions recorded on save, the history pages, restore, and
    the check that refuses a save over a newer version."""

    object_history_template = TEMPLATES + "revisions.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = versioned_form(kwargs.get("form", self.form))
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        (name, options), *rest = super().get_fieldsets(request, obj)
        first = (name, {**options, "fields": (*options["fields"], "opened_version")})
        return [first, *rest]

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None, **kwargs):
        # nested_admin asks again for each nested level (``allow_nested``): once is enough.
        top = not kwargs.get("allow_nested")
        gone = rows_deleted_meanwhile(formsets) if top and request.method == "POST" else []
        if gone:
            self.message_user(
                request,
                "Not saved: rows on this page were deleted by another editor since you "
                f"opened it ({', '.join(dict.fromkeys(gone))}). Reload the page to edit the "
                "article as it is now (copy your edits first).",
                messages.ERROR,
            )
        return super().get_inline_formsets(request, formsets, inline_instances, obj, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.article_write.record(form.instance.pk, user=request.user, source="admin")

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path(
                "<int:pk>/revisions/<int:revision>/",
                view(self.revision_view),
                name="articles_article_revision",
            ),
            path(
                "<int:pk>/revisions/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<int:pk>/revisions/<int:revision>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    def _article(self, request, pk):
        article = get_object_or_404(Article.objects.select_related(None), pk=pk)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def _context(self, request, article, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": title,
            "has_change_permission": self.has_change_permission(request, article),
            **extra,
        }

    def history_view(self, request, object_id, extra_context=None):
        article = self._article(request, object_id)
        changes = Change.objects.filter(article=article).select_related("revision__user")
        context = self._context(request, article, f"History: {article}", changes=changes)
        return TemplateResponse(request, self.object_history_template, context)

    def revision_view(self, request, pk, revision):
        article = self._article(request, pk)
        change = get_object_or_404(
            Change.objects.select_related("revision__user"), pk=revision, article=article
        )
        state = resolved_states(revision_states([revision]))[revision]
        context = self._context(
            request,
            article,
            f"Revision {revision}: {article}",
            change=change,
            fields=state_diff(None, state),
        )
        return TemplateResponse(request, TEMPLATES + "revision.html", context)

    def compare_view(self, request, pk):
        """Two revisions (``from`` and ``to``; ``to`` defaults to the article as it is)."""
        article = self._article(request, pk)
        try:
            first = int(request.GET.get("from", ""))
            second = int(request.GET["to"]) if request.GET.get("to") else None
        except ValueError:
            first = second = None
        ids = [i for i in (first, second) if i is not None]
        found = Change.objects.filter(article=article, pk__in=ids).count() == len(set(ids))
        if first is None or not found:
            self.message_user(request, "Choose two revisions to compare.", messages.WARNING)
            return redirect("admin:articles_article_history", article.pk)
        states = revision_states(ids)
        if second is None:
            states["now"] = live_states([article.pk])[article.pk]
        resolved = resolved_states(states)
        after = resolved[second if second is not None else "now"]
        context = self._context(
            request,
            article,
            f"Compare revisions: {article}",
            first=first,
            second=second,
            diff=state_diff(resolved[first], after),
        )
        return TemplateResponse(request, TEMPLATES + "revision_compare.html", context)

    def restore_view(self, request, pk, revision):
        """Restore a revision (POST): the article and its parts as they were, saved as a
        new revision; the derived fields recomputed and the API's caches retired."""
        article = self._article(request, pk)
        if request.method != "POST" or not self.has_change_permission(request, article):
            raise PermissionDenied
        change = get_object_or_404(Change, pk=revision, article=article)
        try:
            with transaction.atomic():
                list(Article.objects.select_for_update().filter(pk=article.pk).values("pk"))
                write = ArticleWrite(article.pk)
                change.revision.revert(delete=True)
                restored = Article.objects.get(pk=article.pk)
                if not may_publish(request.user) and changes_publication(
                    article, status=restored.status, published_at=restored.published_at
                ):
                    raise PublicationRefused(NEEDS_PUBLISH_PERMISSION)
                restored.save()
                fields = write.record(
                    article.pk, user=request.user, source="admin", action=Change.Action.RESTORED
                )
                records_changed({"article": {article.pk}})
        except (RevertError, ProtectedError, IntegrityError, PublicationRefused) as error:
            self.message_user(
                request, f"Could not restore revision {revision}: {error}", messages.ERROR
            )
            return redirect("admin:articles_article_revision", article.pk, revision)
        if fields:
            self.message_user(request, f"Restored revision {revision}.", messages.SUCCESS)
        else:
            self.message_user(
                request, f"The article already matches revision {revision}.", messages.INFO
            )
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))
