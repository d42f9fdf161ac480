"""The archive importer: scraped pages and interchange documents in, documents out.

One write path (``services``) behind three front doors: ``manage.py import_archive``,
``POST /api/v1/imports/`` and the admin's "Import archive files" page.
"""
