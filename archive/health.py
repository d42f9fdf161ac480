"""Health checks for load balancers: is the process up, and can it serve?"""

from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from articles.caching import retire_what_writes_could_not

from .cache import errors as cache_errors


@csrf_exempt
@never_cache
@require_safe
def healthz(request):
    """Liveness: the process answers. Touches nothing, so a slow database can't fail it."""
    return JsonResponse({"status": "ok"})


@csrf_exempt
@never_cache
@require_safe
def readyz(request):
    """Readiness: every configured database and the cache answer."""
    checks = {}
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
            checks[f"database:{alias}"] = "ok"
        except DatabaseError as error:
            checks[f"database:{alias}"] = f"error: {error.__class__.__name__}"
    try:
        cache.set("readyz", "ok", timeout=5)
        checks["cache"] = "ok" if cache.get("readyz") == "ok" else "error: value not kept"
    except Exception as error:  # whatever the cache client raises, the cache is not usable
        checks["cache"] = f"error: {error.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    if ready:
        # Load balancers ask every few seconds: the first to find the cache back retires
        # what writes made meanwhile could not, in whichever process they ran.
        retire_what_writes_could_not()
    return JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "checks": checks,
            # Since this process started: calls answered without the cache (archive.cache).
            "cache_errors": cache_errors(),
        },
        status=200 if ready else 503,
    )
