"""Who is knocking: the client's address behind trusted reverse proxies, and the per-address login limit.

django-axes locks a username tried from one address after AXES_FAILURE_LIMIT failures. Beside it, one
address may fail at most LOGIN_FAILURES_PER_ADDRESS times across all usernames within the cool-off
(trying one password on every username is stopped too). Behind a reverse proxy, set
CHUNGTAY_TRUSTED_PROXIES to the proxies' addresses (or networks, comma-separated): the client is then the
right-most address of X-Forwarded-For that is not a trusted proxy; without it, X-Forwarded-For is ignored
(anyone can forge it) and every request is keyed by its own REMOTE_ADDR."""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


@cache
def _trusted(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks if n.strip())


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The client's address (see the module's note)."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    if not settings.TRUSTED_PROXIES or not _is_trusted(remote):
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    for address in reversed(forwarded):
        if not _is_trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote
    return remote


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's address within the cool-off, across all usernames."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=client_ip(request), attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return int(total or 0)


def address_locked(request: HttpRequest) -> bool:
    return address_failures(request) >= settings.LOGIN_FAILURES_PER_ADDRESS
