from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse

from chungtay.access.scopes import home_department
from chungtay.analytics.public import public_department
from chungtay.directory.models import EducationOffice, School
from chungtay.directory.services import EMBLEM_CACHE


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the department the installation serves (the login page names it
    and links to its public figures) and its emblem (the menu bar shows the user's department's),
    whether demo data is loaded (then the pages say so)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        found = cache.get("chungtay:site-branding")
        if found is None:
            department = public_department()
            found = (department.name, _emblem_url(department)) if department else ("", "")
            cache.set("chungtay:site-branding", found, 300)
        return {"site_department": found[0], "site_emblem": found[1]}
    demo = cache.get("chungtay:demo-data")
    if demo is None:
        demo = School.objects.filter(is_demo=True).exists()
        cache.set("chungtay:demo-data", demo, 300)
    department = home_department(user)
    emblem = ""
    if department is not None:
        key = f"{EMBLEM_CACHE}:{department.pk}"
        emblem = cache.get(key)
        if emblem is None:
            emblem = _emblem_url(department)
            cache.set(key, emblem, 300)
    return {
        "demo_data": demo,
        "site_emblem": emblem,
        "site_department": department.name if department else "",
    }


def _emblem_url(department: EducationOffice) -> str:
    return reverse("directory:emblem", args=[department.code]) if department.emblem else ""
