from django.urls import path

from chungtay.directory import views

app_name = "directory"
urlpatterns = [
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("schools/", views.school_list, name="school-list"),
    path("schools/export.xlsx", views.school_export, name="school-export"),
    path("schools/<str:moet_id>/", views.school_detail, name="school-detail"),
    path("schools/<str:moet_id>/edit/", views.school_edit, name="school-edit"),
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/new/", views.indicator_edit, name="indicator-create"),
    path("indicators/values/", views.indicator_values, name="indicator-values"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator-edit"),
    path("schools/<str:moet_id>/assessment/", views.school_assessment, name="school-assessment"),
    path("department/emblem/", views.branding, name="branding"),
    path("emblem/<slug:code>.png", views.emblem, name="emblem"),
]
