from django.urls import path

from chungtay.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/schools/", views.upload, name="upload"),
    path("imports/schools/template.xlsx", views.template, name="template"),
    path("imports/<int:pk>/", views.preview, name="preview"),
    path("imports/<int:pk>/apply/", views.apply, name="apply"),
]
