"""The installable app: its manifest, its service worker (served from the site's root, so it may answer
for every page) and the page of records waiting on this device to be sent.

The service worker keeps the static files (hashed names, so a new release brings a new worker) and, as
they are visited, the pages a teacher needs without a signal: the record form with the school's roster,
the partnerships, the home page and the queue page. A record made offline waits in the device's
IndexedDB (core/static/core/offline.js) and is sent with its own id as the idempotency key, through the
same form view, checks and history as online."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from chungtay.accounts.http import AuthenticatedRequest

# the static files every page needs, kept by the service worker at install
PRECACHE = (
    "js-lib-bootstrap5/css/bootstrap.min.css",
    "js-lib-bootstrap5/js/bootstrap.bundle.min.js",
    "django_htmx/htmx-2.min.js",
    "core/site.css",
    "core/favicon.svg",
    "core/offline.js",
    "core/icon-192.png",
    "core/icon-512.png",
    "activities/record.js",
)
BRAND = "#146c43"


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    body = {
        "name": "Chung Tay – Nhà trường cùng chung tay phát triển",
        "short_name": "Chung Tay",
        "lang": "vi",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": BRAND,
        "background_color": "#ffffff",
        "icons": [
            {"src": static("core/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("core/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    urls = [static(name) for name in PRECACHE]
    # a new release (new hashed names) is a new worker, which drops the old static cache
    version = hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12]
    response = render(
        request,
        "pages/sw.js",
        {"precache": urls, "version": version, "queue_url": "/offline/queue/"},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@login_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "pages/queue.html")
