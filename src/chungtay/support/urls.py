from django.urls import path

from chungtay.support import views

app_name = "support"
urlpatterns = [
    path("support/", views.support_index, name="support-list"),
    path("support/export.xlsx", views.support_export, name="support-export"),
    path("support/new/", views.support_create, name="support-create"),
    path("support/pupils/", views.beneficiary_list, name="beneficiary-list"),
    path("support/<int:pk>/", views.support_detail, name="support-detail"),
    path("support/<int:pk>/edit/", views.support_edit, name="support-edit"),
    path("support/<int:pk>/evidence/", views.support_evidence, name="support-evidence"),
]
