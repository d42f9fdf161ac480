"""gunicorn settings: ``gunicorn -c python:archive.gunicorn archive.wsgi``.

App servers keep no state of their own (sessions and data in PostgreSQL, cache in
Redis, images in object storage), so any number of them can run behind a load balancer.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: the work is database-bound and short, and the baseline measured them.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound, but rarely: a
# new worker imports Django and warms up before it answers quickly, and while it does the
# requests queued behind it wait (README's Performance section has the figures).
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"
# Client, request line, status, bytes, duration in ms, user agent: no cookies, no tokens.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
