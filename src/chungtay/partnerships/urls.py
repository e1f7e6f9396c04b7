from django.urls import path

from chungtay.partnerships import views

app_name = "partnerships"
urlpatterns = [
    path("partnerships/", views.partnership_index, name="partnership-list"),
    path("partnerships/export/", views.partnership_export, name="partnership-export"),
    path("partnerships/overview/", views.overview, name="overview"),
    path("partnerships/new/", views.partnership_create, name="partnership-create"),
    path("partnerships/<int:pk>/", views.partnership_detail, name="partnership-detail"),
    path("partnerships/<int:pk>/members/", views.member_add, name="member-add"),
    path("partnerships/<int:pk>/members/<int:member_pk>/leave/", views.member_leave, name="member-leave"),
    path("partnerships/<int:pk>/agreements/new/", views.agreement_create, name="agreement-create"),
    path("twinnings/", views.twinning_list, name="twinning-list"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/document/", views.plan_document_file, name="plan-document-file"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/document.docx", views.agreement_document, name="agreement-document"),
    path("agreements/<int:pk>/commitments/", views.commitment_add, name="commitment-add"),
    path(
        "agreements/<int:pk>/commitments/<int:commitment_pk>/status/",
        views.commitment_status,
        name="commitment-status",
    ),
    path("agreements/<int:pk>/send/", views.agreement_send, name="agreement-send"),
    path("agreements/<int:pk>/sign/", views.agreement_sign, name="agreement-sign"),
    path("agreements/<int:pk>/terminate/", views.agreement_terminate, name="agreement-terminate"),
    path("agreements/<int:pk>/amend/", views.agreement_amend, name="agreement-amend"),
    path("agreements/<int:pk>/scan/", views.agreement_scan, name="agreement-scan"),
    path("agreements/<int:pk>/scan/file/", views.agreement_scan_file, name="agreement-scan-file"),
]
