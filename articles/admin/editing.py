"""The article list and page as editors work with them: new drafts first, and search on
the full-text index."""

from django.db.models import F, Q

from .common import EditorAdmin

# Curly apostrophes and quotes as the archive prints them, and what editors type.
_STRAIGHTENED = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


class ArticleEditorMixin(EditorAdmin):
    """``EditorAdmin`` for the article admin, which also lists drafts without a date first
    (they are the ones being worked on) and searches like the API does."""

    ordering = (F("published_at").desc(nulls_first=True), "-id")

    def get_search_results(self, request, queryset, search_term):
        """Articles whose text matches on the full-text index (web-search syntax, stemmed:
        "trotskys" finds "Trotsky’s"), or whose headline holds the term as typed, so an
        autocomplete finds "Trot…" too. Curly and straight apostrophes are alike."""
        term = search_term.replace("\x00", "").translate(_STRAIGHTENED).strip()
        if not term:
            return queryset, False
        matches = queryset.model.objects.search(term).values("pk")
        return queryset.filter(Q(pk__in=matches) | Q(headline__icontains=term)), False
