from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from chungtay.api.api import api
from chungtay.core.health import health
from chungtay.pages import attention as attention_page
from chungtay.pages import home as home_page
from chungtay.pages import offline

handler500 = "chungtay.core.errors.server_error"

admin.site.site_header = "Chung Tay"
admin.site.site_title = "Chung Tay"

urlpatterns = [
    path("", home_page.home, name="home"),
    path("attention/", attention_page.attention, name="attention"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("offline/queue/", offline.queue, name="offline-queue"),
    path("attention/remind/<int:pk>/", attention_page.remind, name="attention-remind"),
    path("accounts/", include("chungtay.accounts.urls")),
    path("", include("chungtay.directory.urls")),
    path("", include("chungtay.partnerships.urls")),
    path("", include("chungtay.matching.urls")),
    path("", include("chungtay.imports.urls")),
    path("", include("chungtay.activities.urls")),
    path("", include("chungtay.support.urls")),
    path("", include("chungtay.analytics.urls")),
    path("", include("chungtay.reports.urls")),
    path("", include("chungtay.reviews.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # One login page for everything (throttled, translated): the admin's own login redirects to it.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("health/", health, name="health"),
]
