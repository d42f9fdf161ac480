"""The archive importer: scraped pages and interchange documents in, documents out.

A file's path through it, one module a step:

- ``runner``: finds the files, reads and parses each (``scraped`` or ``interchange``,
  into ``records``), loads it in one transaction, retries, runs worker processes and
  reports (``reports``). Every front door calls its ``import_files``:
  ``manage.py import_archive``, ``POST /api/v1/imports/``, the admin's "Import archive
  files" page and ``manage.py generate_archive``.
- ``loader``: one parsed issue into rows, with the authors and books that issues share
  in ``catalogue``.
- ``export``: issues out as interchange documents, which the runner reads back.
"""
