from django.urls import path

from chungtay.analytics import views

app_name = "analytics"
urlpatterns = [
    path("figures/", views.dashboard, name="dashboard"),
    path("figures/gap/", views.gap_page, name="gap"),
    path("figures/gap.svg", views.gap_chart, name="gap-chart"),
    path("figures/impact/", views.impact_page, name="impact"),
    path("figures/impact.svg", views.impact_chart, name="impact-chart"),
    path("figures/<slug:kind>/<slug:by>.svg", views.chart, name="chart"),
    path("figures/<slug:kind>/<slug:by>.<slug:fmt>", views.download, name="download"),
    path("cong-khai/", views.public_page, name="public"),
    path("cong-khai/<slug:code>/", views.public_page, name="public-department"),
    path("cong-khai/<slug:code>/so-lieu.<slug:fmt>", views.public_download, name="public-download"),
    path("cong-khai/<slug:code>/bieu-do-<int:column>.svg", views.public_chart, name="public-chart"),
    path("cong-khai/<slug:code>/khoang-cach.svg", views.public_gap_chart, name="public-gap-chart"),
]
