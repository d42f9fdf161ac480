"""Who changed what, when and from where: revisions of articles (with their parts) and
of every other record, kept by django-reversion, with our own note on each revision
(``Change``: where it came from and which fields it changed)."""
