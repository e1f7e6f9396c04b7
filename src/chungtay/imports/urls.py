from django.urls import path

from chungtay.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.index, name="index"),
    path("imports/<int:pk>/", views.preview, name="preview"),
    path("imports/<int:pk>/apply/", views.apply, name="apply"),
    path("imports/<int:pk>/undo/", views.undo, name="undo"),
    path("imports/<slug:kind>/", views.upload, name="upload"),
    path("imports/<slug:kind>/template.xlsx", views.template, name="template"),
]
