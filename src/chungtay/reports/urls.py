from django.urls import path

from chungtay.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/new/", views.report_create, name="report-create"),
    path("reports/templates/", views.template_list, name="template-list"),
    path("reports/templates/default.docx", views.template_default, name="template-default"),
    path("reports/templates/use/", views.template_use, name="template-use"),
    path("reports/templates/<int:pk>.docx", views.template_file, name="template-file"),
    path("reports/council/<int:pk>/", views.council, name="council"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/generate/", views.report_generate, name="report-generate"),
    path("reports/<int:pk>/<int:number>/<slug:name>.<slug:fmt>", views.report_file, name="report-file"),
]
