"""Rate limits per signed-in user (per address when anonymous) on the writes someone
could repeat to flood the tracker: signing in for a token, submitting ideas, posting
measurements. The API answers 429 `{"detail"}` with Retry-After, the web pages a 429
page with the same header.

One throttle for both: DRF's scoped throttle, reading its rates from
settings.RATE_LIMITS when it is called (so a test or a deployment can change them), and
counting in the default cache (Redis when REDIS_URL is set, so every process shares the
counts; in-process memory otherwise)."""

import logging
import math
from functools import wraps
from types import SimpleNamespace

from django.conf import settings
from django.shortcuts import render
from rest_framework import throttling

from config.celery import broker_health

log = logging.getLogger(__name__)


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """Set `throttle_scope` on a view to a key of settings.RATE_LIMITS.

    A limit protects the service; it is never a reason to refuse it. If the cache is
    down (Redis, the same server as the broker) the request is let through and logged,
    and, as for queueing jobs, the process stops asking Redis for a while."""

    def get_rate(self):
        return settings.RATE_LIMITS[self.scope]

    def allow_request(self, request, view):
        if not broker_health.available():
            return True
        try:
            return super().allow_request(request, view)
        except Exception:
            log.exception("Rate limit not checked: the cache is unavailable")
            broker_health.failed()
            return True


def rate_limited(scope: str):
    """The same limit on a web view's POSTs."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                throttle = ScopedRateThrottle()
                if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                    wait = math.ceil(throttle.wait() or 1)
                    response = render(request, "429.html", {"retry_after": wait}, status=429)
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
