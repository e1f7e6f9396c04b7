from django.urls import path

from chungtay.activities import views

app_name = "activities"
urlpatterns = [
    path("activities/", views.activity_index, name="activity-list"),
    path("activities/export.xlsx", views.activity_export, name="activity-export"),
    path("activities/calendar/", views.activity_calendar, name="activity-calendar"),
    path("activities/new/", views.activity_create, name="activity-create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/confirm/", views.activity_confirm, name="activity-confirm"),
    path("activities/<int:pk>/postpone/", views.activity_postpone, name="activity-postpone"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity-cancel"),
    path("activities/<int:pk>/attendance/<str:moet_id>/", views.attendance, name="attendance"),
    path("activities/<int:pk>/evidence/", views.evidence_add, name="evidence-add"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence-file"),
]
