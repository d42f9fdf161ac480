"""The archive's settings for benchmark runs: its own URLs (the product's plus the
baseline views), DEBUG off (no query log), and throttling out of the way of wrk."""

from archive.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000000/second"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

# The benchmark measures the cache-miss path: every response is computed. The HTTP
# comparison of issue 7 turns the shared cache on with BENCHMARK_RESPONSE_CACHE=on.
if env.str("BENCHMARK_RESPONSE_CACHE", default="off") != "on":  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
