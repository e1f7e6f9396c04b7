from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from chungtay.analytics.public import public_department
from chungtay.directory.models import School


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the department the installation serves (the login page names it
    and links to its public figures), whether demo data is loaded (then the pages say so)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        name = cache.get("chungtay:site-department")
        if name is None:
            department = public_department()
            name = department.name if department else ""
            cache.set("chungtay:site-department", name, 300)
        return {"site_department": name}
    demo = cache.get("chungtay:demo-data")
    if demo is None:
        demo = School.objects.filter(is_demo=True).exists()
        cache.set("chungtay:demo-data", demo, 300)
    return {"demo_data": demo}
