"""The article's Preview: the page a reader would see, drawn from the API's detail JSON.

The change form's Preview button posts the form as it stands, unsaved edits and inlines
included, to the preview view in a new tab. The view validates and saves the form exactly
as the change view would, reads the article back as the API serves it, then rolls the
transaction back: nothing is written, no cached response retired, no history logged.
"View on site" previews the article as saved (or, once it is public and a website is
configured, opens its page there); "Preview on the website" sends the editor
to the headless front end's preview page with a fresh token (``api.previews``).
"""

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.forms.formsets import all_valid
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from api.frontend import web_url
from api.previews import article_preview_data, frontend_preview_url

from ..caching import writes_rolled_back


def form_errors(form, formsets) -> list[str]:
    """Every error of a posted change form and its inlines, each naming its field."""

    def named(form, where):
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            label = str(field.label or name) if field else ""
            for error in errors:
                yield " — ".join(part for part in (where, label, error) if part)

    messages = list(named(form, ""))
    for formset in formsets:
        kind = str(formset.model._meta.verbose_name).capitalize()
        messages += [f"{kind}: {error}" for error in formset.non_form_errors()]
        for number, inline_form in enumerate(formset.forms, start=1):
            messages += named(inline_form, f"{kind} {number}")
    return messages


def hold_back_uploads(formsets) -> bool:
    """Keep newly chosen files out of a preview; whether there were any.

    Files go to media storage, which no transaction rolls back, so a preview keeps each
    image's stored file (or none) in place of a new upload.
    """
    held_back = False
    for formset in formsets:
        for inline_form in formset.forms:
            for name, value in getattr(inline_form, "cleaned_data", {}).items():
                if isinstance(value, UploadedFile):
                    setattr(inline_form.instance, name, inline_form.initial.get(name) or "")
                    held_back = True
    return held_back


class ArticlePreviewAdminMixin:
    """Preview on the article's change and add pages, for editors who may change (or
    add) the article; "View on site" is the saved article's preview."""

    preview_template = "admin/articles/article/preview.html"

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["articles/admin/preview.css"]})

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        website = self.admin_site.admin_view(self.website_preview_view)
        return [
            path("add/preview/", preview, name="articles_article_preview_add"),
            path("<path:object_id>/preview/", preview, name="articles_article_preview"),
            path(
                "<path:object_id>/preview/website/",
                website,
                name="articles_article_preview_website",
            ),
            *super().get_urls(),
        ]

    def view_on_site(self, obj):
        """The article's page on the website once readers have it there (``FRONTEND_URLS``);
        until then, and with no website configured, its preview."""
        public = obj.status == obj.Status.PUBLISHED and not obj.is_scheduled
        if public and (url := web_url("article", obj)):
            return url
        return reverse("admin:articles_article_preview", args=[obj.pk])

    def render_change_form(self, request, context, *args, **kwargs):
        obj = kwargs.get("obj")
        if obj is None and self.has_add_permission(request):
            context["preview_url"] = reverse("admin:articles_article_preview_add")
        elif obj is not None and self.has_change_permission(request, obj):
            context["preview_url"] = reverse("admin:articles_article_preview", args=[obj.pk])
            if frontend_preview_url(obj):
                context["website_preview_url"] = reverse(
                    "admin:articles_article_preview_website", args=[obj.pk]
                )
        return super().render_change_form(request, context, *args, **kwargs)

    def _changeable_article(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such article.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def preview_view(self, request, object_id=None):
        """The article as a reader sees it: as saved (GET), or as the posted change form
        would save it (POST)."""
        if object_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied
            obj = None
        else:
            obj = self._changeable_article(request, object_id)
        if request.method == "POST":
            return self._preview_posted(request, obj)
        if obj is None:
            return HttpResponseNotAllowed(["POST"])
        return self._render_preview(request, article_preview_data(obj.pk, request))

    def website_preview_view(self, request, object_id):
        """To the front end's preview page, with a token made now."""
        url = frontend_preview_url(self._changeable_article(request, object_id))
        if url is None:
            raise Http404("FRONTEND_PREVIEW_URL is not set.")
        return redirect(url)

    def _preview_posted(self, request, obj):
        """Validate and save the posted form as the change view does, read the article
        back, and roll everything back."""
        change = obj is not None
        with transaction.atomic(), writes_rolled_back():
            form = self.get_form(request, obj, change=change)(
                request.POST, request.FILES, instance=obj
            )
            # The admin's own builder of the inline formsets: django-nested-admin extends
            # it with the nested ones (reading-list entries and their books).
            formsets, _ = self._create_formsets(request, form.instance, change=change)
            form_validated = form.is_valid()
            article = self.save_form(request, form, change=change) if form_validated else None
            if not (all_valid(formsets) and form_validated):
                errors = form_errors(form, formsets)
                return self._render_preview(request, None, errors=errors, status=400)
            held_back = hold_back_uploads(formsets)
            self.save_model(request, article, form, change)
            self.save_related(request, form, formsets, change)
            data = article_preview_data(article.pk, request)
            transaction.set_rollback(True)
        return self._render_preview(request, data, unsaved=True, held_back_uploads=held_back)

    def _render_preview(self, request, article, *, status=200, **context):
        published_at = article and parse_datetime(article["published_at"] or "")
        context = {
            **self.admin_site.each_context(request),
            **context,
            "opts": self.opts,
            "title": f"Preview: {article['headline']}" if article else "Preview",
            "article": article,
            "published_at": published_at,
            "scheduled": bool(published_at and published_at > timezone.now()),
        }
        return TemplateResponse(request, self.preview_template, context, status=status)
