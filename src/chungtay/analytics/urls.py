from django.urls import path

from chungtay.analytics import views

app_name = "analytics"
urlpatterns = [
    path("figures/", views.dashboard, name="dashboard"),
    path("figures/<slug:kind>/<slug:by>.svg", views.chart, name="chart"),
    path("figures/<slug:kind>/<slug:by>.<slug:fmt>", views.download, name="download"),
]
