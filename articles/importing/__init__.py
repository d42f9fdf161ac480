"""The archive importer: scraped pages and interchange documents in, documents out.

A file's path through it, one module a step:

- ``runner``: finds the files, reads and parses each (``scraped`` or ``interchange``,
  into ``records``), runs worker processes and reports (``reports``). Every front door
  calls its ``import_files``: ``manage.py import_archive``, ``POST /api/v1/imports/``,
  the admin's "Import archive files" page and ``manage.py generate_archive``.
- ``transactions``: each parsed file written all or nothing, in its own transaction or
  a savepoint of a batch's, with its revisions; tried again when it lost a race.
- ``loader``: one parsed issue into rows, with the authors and books that issues share
  in ``catalogue``.
- ``export``: issues out as interchange documents, which the runner reads back.
"""
