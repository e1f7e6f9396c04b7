from django.urls import path

from chungtay.partnerships.views import agreements, partnerships, plans, twinnings

app_name = "partnerships"
urlpatterns = [
    path("partnerships/", partnerships.partnership_index, name="partnership-list"),
    path("partnerships/export/", partnerships.partnership_export, name="partnership-export"),
    path("partnerships/overview/", partnerships.overview, name="overview"),
    path("partnerships/new/", partnerships.partnership_create, name="partnership-create"),
    path("partnerships/<int:pk>/", partnerships.partnership_detail, name="partnership-detail"),
    path("partnerships/<int:pk>/members/", partnerships.member_add, name="member-add"),
    path(
        "partnerships/<int:pk>/members/<int:member_pk>/leave/", partnerships.member_leave, name="member-leave"
    ),
    path("partnerships/<int:pk>/agreements/new/", agreements.agreement_create, name="agreement-create"),
    path("twinnings/", twinnings.twinning_list, name="twinning-list"),
    path("plans/", plans.plan_list, name="plan-list"),
    path("plans/new/", plans.plan_create, name="plan-create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/document/", plans.plan_document_file, name="plan-document-file"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/edit/", agreements.agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/document.docx", agreements.agreement_document, name="agreement-document"),
    path("agreements/<int:pk>/commitments/", agreements.commitment_add, name="commitment-add"),
    path(
        "agreements/<int:pk>/commitments/<int:commitment_pk>/status/",
        agreements.commitment_status,
        name="commitment-status",
    ),
    path("agreements/<int:pk>/send/", agreements.agreement_send, name="agreement-send"),
    path("agreements/<int:pk>/sign/", agreements.agreement_sign, name="agreement-sign"),
    path("agreements/<int:pk>/terminate/", agreements.agreement_terminate, name="agreement-terminate"),
    path("agreements/<int:pk>/amend/", agreements.agreement_amend, name="agreement-amend"),
    path("agreements/<int:pk>/scan/", agreements.agreement_scan, name="agreement-scan"),
    path("agreements/<int:pk>/scan/file/", agreements.agreement_scan_file, name="agreement-scan-file"),
]
