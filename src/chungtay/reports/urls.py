from django.urls import path

from chungtay.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/new/", views.report_create, name="report-create"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/generate/", views.report_generate, name="report-generate"),
    path("reports/<int:pk>/<int:number>/<slug:name>.<slug:fmt>", views.report_file, name="report-file"),
]
