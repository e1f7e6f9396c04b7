"""Every URL of the app, with every role: the expected status. A new URL pattern without a row here
fails `test_every_url_has_a_rule`, so no page can ship without a scope rule."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from chungtay.accounts.models import User
from chungtay.accounts.services import issue_api_token
from chungtay.directory.models import AdminUnit
from tests.factories import pdf_bytes

ROLES = ["anonymous", "admin", "pgd.unghoa", "ht.unghoa", "gv.unghoa", "xem.hanoi", "pgd.bavi"]
# The object kwargs below belong to Ứng Hòa; pgd.bavi is the outsider.


def _all(status: int, anonymous: int | None = None) -> dict[str, int]:
    statuses = dict.fromkeys(ROLES, status)
    if anonymous is not None:
        statuses["anonymous"] = anonymous
    return statuses


def _kwargs_school() -> dict[str, str]:
    return {"moet_id": User.objects.get(username="gv.unghoa").school.moet_id}


def _kwargs_unit() -> dict[str, int]:
    return {"pk": AdminUnit.objects.get(edition="pre2025", level="district", short_name="Ứng Hòa").pk}


def _kwargs_token() -> dict[str, int]:
    token, _ = issue_api_token(
        acting_user=User.objects.get(username="gv.unghoa"), name="matrix", read_only=True, expires_at=None
    )
    return {"pk": token.pk}


def _kwargs_report() -> dict[str, int]:
    """A report of the Ứng Hòa office, with one generation (its files stand in: the matrix asks who may
    read them, tests/reports makes real ones)."""
    from chungtay.reports import services
    from chungtay.reports.models import Generation

    officer = User.objects.get(username="pgd.unghoa")
    report = services.start_report(acting_user=officer, kind="interim", params={"year": ["2022-2023"]})
    Generation.objects.create(
        report=report,
        number=1,
        generated_by=officer,
        template_version="x",
        data_version="x",
        docx=b"PK docx",
        annex=b"PK xlsx",
        sha256="0" * 64,
    )
    return {"pk": report.pk}


def _kwargs_report_file() -> dict[str, object]:
    return {**_kwargs_report(), "number": 1, "name": "bao-cao", "fmt": "docx"}


def _kwargs_report_api() -> dict[str, int]:
    return {"report_id": _kwargs_report()["pk"]}


def _kwargs_generation_api() -> dict[str, int]:
    return {**_kwargs_report_api(), "number": 1}


def _kwargs_generation_file_api() -> dict[str, object]:
    return {**_kwargs_generation_api(), "fmt": "docx"}


def _kwargs_template() -> dict[str, int]:
    from chungtay.reports.models import ReportTemplate

    admin = User.objects.get(username="admin")
    template = ReportTemplate.objects.create(
        department=admin.office, version=1, name="mau.docx", docx=b"PK", sha256="0" * 64, uploaded_by=admin
    )
    return {"pk": template.pk}


def _direct_partnership():
    """A covenant-style partnership (no twinning) of gv.unghoa's school with a Mỹ Đức school, created by
    the administrator: pgd.bavi (Ba Vì is twinned with neither) has no school in it."""
    import datetime as dt

    from chungtay.directory.models import School
    from chungtay.partnerships.services import create_partnership

    school = User.objects.get(username="gv.unghoa").school
    other = School.objects.filter(managements__office__code="pgd-myduc", level=school.level).first()
    return create_partnership(
        acting_user=User.objects.get(username="admin"),
        twinning=None,
        members=[(school, "mutual"), (other, "mutual")],
        starts_on=dt.date(2024, 1, 1),
    )


def _kwargs_partnership() -> dict[str, int]:
    return {"pk": _direct_partnership().pk}


def _kwargs_agreement() -> dict[str, int]:
    from chungtay.partnerships.services import draft_agreement

    agreement = draft_agreement(
        acting_user=User.objects.get(username="admin"),
        partnership=_direct_partnership(),
        kind="covenant",
        title="Giao ước",
        terms="Điều khoản",
    )
    return {"pk": agreement.pk}


def _kwargs_signed_scan() -> dict[str, int]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from chungtay.partnerships.models import Agreement
    from chungtay.partnerships.services import attach_signed_scan

    agreement = Agreement.objects.get(pk=_kwargs_agreement()["pk"])
    upload = SimpleUploadedFile("scan.pdf", pdf_bytes("scan"))
    attach_signed_scan(acting_user=User.objects.get(username="admin"), agreement=agreement, upload=upload)
    return {"pk": agreement.pk}


def _kwargs_plan_with_document() -> dict[str, int]:
    from chungtay.core.files import PDF, CheckedFile
    from chungtay.partnerships.models import Plan

    plan = Plan.objects.get(number="01/KHLP-PGDĐT", issuer__code="pgd-hoangmai")
    plan.document.save("plan.pdf", CheckedFile(pdf_bytes("plan"), PDF).content("plan"))
    return {"pk": plan.pk}


def _kwargs_commitment() -> dict[str, int]:
    from chungtay.partnerships.models import Commitment

    commitment = Commitment.objects.filter(
        agreement__partnership__members__school__staff__username="gv.unghoa"
    ).first()
    return {"pk": commitment.agreement_id, "commitment_pk": commitment.pk}


def _kwargs_member() -> dict[str, int]:
    partnership = _direct_partnership()
    return {"pk": partnership.pk, "member_pk": partnership.members.first().pk}


def _kwargs_indicator() -> dict[str, int]:
    from chungtay.directory.models import Indicator

    return {"pk": Indicator.objects.get(code="DIEM_VAO10_TOAN").pk}


def _kwargs_import() -> dict[str, int]:
    """An import previewed by pgd.unghoa: imports are their uploader's own."""
    from chungtay.imports.models import ImportBatch

    user = User.objects.get(username="pgd.unghoa")
    batch = ImportBatch.objects.create(
        department=user.office.tenant, uploaded_by=user, file_name="a.csv", checksum="0" * 64, summary={}
    )
    return {"pk": batch.pk}


def _kwargs_run() -> dict[str, int]:
    from chungtay.matching.models import MatchingRun
    from chungtay.partnerships.models import OfficeTwinning

    twinning = OfficeTwinning.objects.get(
        supporting_office__code="pgd-hoangmai", supported_office__code="pgd-unghoa"
    )
    run = MatchingRun.objects.create(
        department=twinning.department,
        twinning=twinning,
        created_by=User.objects.get(username="admin"),
        parameters={},
    )
    return {"pk": run.pk}


def _kwargs_joint_plan() -> dict[str, int]:
    from chungtay.partnerships.models import Plan

    return {"pk": Plan.objects.get(number="01/KHLP-PGDĐT", issuer__code="pgd-hoangmai").pk}


def _activity():
    """A held activity of the direct partnership, hosted by gv.unghoa's school, with a PDF as evidence."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from chungtay.activities.services import ActivityDetails, attach_evidence, record_activity

    partnership = _direct_partnership()
    hosts = [m.school for m in partnership.members.order_by("pk")]
    admin = User.objects.get(username="admin")
    activity = record_activity(
        acting_user=admin,
        details=ActivityDetails(
            kind="topic",
            title="Chuyên đề Toán",
            planned_on=dt.date(2024, 3, 1),
            hosts=hosts[:1],
            participants=hosts[1:],
            partnerships=[partnership],
        ),
        held_on=dt.date(2024, 3, 1),
    )
    pdf = SimpleUploadedFile("bien-ban.pdf", pdf_bytes("minutes"), content_type="application/pdf")
    attach_evidence(acting_user=admin, activity=activity, kind="minutes", upload=pdf)
    return activity


def _kwargs_activity() -> dict[str, int]:
    return {"pk": _activity().pk}


def _kwargs_attendance() -> dict[str, object]:
    return {"pk": _activity().pk, "moet_id": User.objects.get(username="gv.unghoa").school.moet_id}


def _kwargs_evidence() -> dict[str, int]:
    return {"pk": _activity().evidence.get().pk}


def _kwargs_support() -> dict[str, int]:
    """Books given by the Mỹ Đức school to gv.unghoa's school in the direct partnership, with a PDF."""
    import datetime as dt
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from chungtay.support.services import record_support, register_donor

    partnership = _direct_partnership()
    receiving, giving = (m.school for m in partnership.members.order_by("pk"))
    admin = User.objects.get(username="admin")
    record = record_support(
        acting_user=admin,
        kind="books",
        quantity=Decimal(100),
        unit="cuốn",
        given_on=dt.date(2024, 3, 1),
        donor=register_donor(acting_user=admin, kind="school", school=giving),
        receiving_school=receiving,
        partnership=partnership,
        evidence=SimpleUploadedFile("bien-nhan.pdf", pdf_bytes("receipt")),
    )
    return {"pk": record.pk}


def _kwargs_leave() -> dict[str, object]:
    return {"pk": _direct_partnership().pk, "moet_id": User.objects.get(username="gv.unghoa").school.moet_id}


def _kwargs_assessment() -> dict[str, object]:
    return {**_kwargs_school(), "start_year": 2025}


def _review_submission():  # noqa: ANN202
    """The open cycle's review of a partnership of gv.unghoa's school (Ứng Hòa); pgd.bavi is outside."""
    from chungtay.reviews.models import Cycle, Submission

    school = User.objects.get(username="gv.unghoa").school_id
    cycle = Cycle.objects.get(stage="self")
    return Submission.objects.filter(cycle=cycle, partnership__members__school_id=school).first()


def _kwargs_final_cycle() -> dict[str, int]:
    from chungtay.reviews.models import Cycle

    return {"pk": Cycle.objects.get(kind="final").pk}


def _kwargs_review_cycle() -> dict[str, int]:
    from chungtay.reviews.models import Cycle

    return {"pk": Cycle.objects.get(stage="self").pk}


def _kwargs_review_submission() -> dict[str, int]:
    return {"pk": _review_submission().pk}


def _kwargs_review_criterion() -> dict[str, int]:
    submission = _review_submission()
    return {"pk": submission.pk, "criterion": submission.cycle.criteria_set.criteria.first().pk}


def _kwargs_review_score() -> dict[str, int]:
    return {"pk": _review_submission().scores.exclude(criterion__rule="judgement").first().pk}


def _kwargs_review_evidence() -> dict[str, int]:
    """A judged score (with the council's minutes) of the published final review, in Ứng Hòa."""
    from chungtay.reviews.models import Score

    school = User.objects.get(username="gv.unghoa").school_id
    score = Score.objects.filter(
        submission__cycle__kind="final",
        submission__partnership__members__school_id=school,
        criterion__rule="judgement",
    ).first()
    return {"pk": score.pk}


def _kwargs_review_nomination() -> dict[str, int]:
    """A nomination of a school outside Ứng Hòa's office and Ba Vì's (seen by the department only)."""
    from chungtay.access.scopes import own_schools
    from chungtay.reviews.models import Nomination

    near = set(own_schools(User.objects.get(username="pgd.unghoa")).values_list("pk", flat=True))
    near |= set(own_schools(User.objects.get(username="pgd.bavi")).values_list("pk", flat=True))
    return {"pk": Nomination.objects.exclude(school_id__in=near).first().pk}


def _kwargs_review_award_kind() -> dict[str, int]:
    from chungtay.reviews.models import AwardKind

    return {**_kwargs_review_cycle(), "kind": AwardKind.objects.first().pk}


def _kwargs_review_pk(model: str):  # noqa: ANN202
    def kwargs() -> dict[str, int]:
        from chungtay.reviews import models

        return {"pk": getattr(models, model).objects.first().pk}

    return kwargs


LOGIN_REQUIRED = _all(200, anonymous=302)
# reports: written by administrators, officers and leaders (teachers and viewers 403); a report is opened
# by its author's office or school and the department's administrator (anyone else 404)
REPORT_WRITERS = {**_all(200, anonymous=302), "gv.unghoa": 403, "xem.hanoi": 403}
OFFICE_REPORT = {**REPORT_WRITERS, "ht.unghoa": 404, "pgd.bavi": 404}
TEMPLATES_ADMIN = {**_all(403, anonymous=302), "admin": 200}
API_REPORT_WRITERS = {**_all(200, anonymous=401), "gv.unghoa": 403, "xem.hanoi": 403}
API_OFFICE_REPORT = {**API_REPORT_WRITERS, "ht.unghoa": 404, "pgd.bavi": 404}
SCHOOL_IN_UNG_HOA = {**_all(200, anonymous=302), "pgd.bavi": 404}
API_LOGIN_REQUIRED = _all(200, anonymous=401)
API_IN_UNG_HOA = {**_all(200, anonymous=401), "pgd.bavi": 404}
OFFICE_ONLY = {**_all(403, anonymous=302), "admin": 200, "pgd.unghoa": 200}
# drafting agreements: the administrator, officers and leaders of member schools; outsiders 404
DRAFTERS = {**SCHOOL_IN_UNG_HOA, "gv.unghoa": 403, "xem.hanoi": 403}

# url name -> (kwargs factory or None, expected status by role), all with GET
MATRIX: dict[str, tuple[object, dict[str, int]]] = {
    "home": (None, LOGIN_REQUIRED),
    "health": (None, _all(200)),  # for a load balancer: no login, nothing about the data
    # the installable app: its manifest and service worker hold no data (the login page installs them)
    "manifest": (None, _all(200)),
    "service-worker": (None, _all(200)),
    "offline-queue": (None, LOGIN_REQUIRED),  # the page; the records themselves stay on the device
    "accounts:login": (None, _all(200)),
    "accounts:logout": (None, _all(405)),
    "accounts:password-change": (None, LOGIN_REQUIRED),
    "accounts:password-done": (None, LOGIN_REQUIRED),
    "accounts:profile": (None, LOGIN_REQUIRED),
    "accounts:password-reset": (None, _all(200)),  # a forgotten password: no login needed
    "accounts:password-reset-sent": (None, _all(200)),
    "accounts:password-reset-confirm": (lambda: {"uidb64": "MQ", "token": "invalid-token"}, _all(200)),
    "accounts:password-reset-complete": (None, _all(200)),
    "accounts:token-create": (None, _all(405)),
    "accounts:token-revoke": (_kwargs_token, _all(405)),
    "directory:unit-list": (None, LOGIN_REQUIRED),
    "directory:unit-detail": (_kwargs_unit, LOGIN_REQUIRED),
    "directory:school-list": (None, LOGIN_REQUIRED),
    "directory:school-export": (None, LOGIN_REQUIRED),
    "directory:school-detail": (_kwargs_school, SCHOOL_IN_UNG_HOA),
    "directory:school-assessment": (
        _kwargs_school,
        {**SCHOOL_IN_UNG_HOA, "gv.unghoa": 403, "xem.hanoi": 403},
    ),
    "directory:school-edit": (
        _kwargs_school,
        {**SCHOOL_IN_UNG_HOA, "gv.unghoa": 403, "xem.hanoi": 403},
    ),
    "directory:indicator-list": (None, LOGIN_REQUIRED),
    "directory:indicator-values": (None, LOGIN_REQUIRED),
    "directory:indicator-create": (None, {**_all(403, anonymous=302), "admin": 200}),
    "directory:indicator-edit": (_kwargs_indicator, {**_all(403, anonymous=302), "admin": 200}),
    "set_language": (None, _all(302)),
    "partnerships:partnership-list": (None, LOGIN_REQUIRED),
    "partnerships:partnership-export": (None, LOGIN_REQUIRED),
    "partnerships:overview": (None, LOGIN_REQUIRED),
    "partnerships:twinning-list": (None, LOGIN_REQUIRED),
    "partnerships:plan-list": (None, LOGIN_REQUIRED),
    "partnerships:plan-create": (None, {**OFFICE_ONLY, "pgd.bavi": 200}),
    "partnerships:plan-detail": (_kwargs_joint_plan, {**SCHOOL_IN_UNG_HOA, "pgd.bavi": 404}),
    "partnerships:plan-document-file": (_kwargs_plan_with_document, {**SCHOOL_IN_UNG_HOA, "pgd.bavi": 404}),
    "partnerships:partnership-create": (None, {**OFFICE_ONLY, "pgd.bavi": 200}),
    "partnerships:partnership-detail": (_kwargs_partnership, SCHOOL_IN_UNG_HOA),
    "partnerships:member-add": (_kwargs_partnership, _all(405)),
    "partnerships:member-leave": (_kwargs_member, _all(405)),
    "partnerships:agreement-create": (_kwargs_partnership, DRAFTERS),
    "partnerships:agreement-detail": (_kwargs_agreement, SCHOOL_IN_UNG_HOA),
    "partnerships:agreement-edit": (_kwargs_agreement, DRAFTERS),
    "partnerships:agreement-document": (_kwargs_agreement, SCHOOL_IN_UNG_HOA),
    "partnerships:commitment-add": (_kwargs_agreement, _all(405)),
    "partnerships:commitment-status": (_kwargs_commitment, _all(405)),
    "partnerships:agreement-send": (_kwargs_agreement, _all(405)),
    "partnerships:agreement-sign": (_kwargs_agreement, _all(405)),
    "partnerships:agreement-terminate": (_kwargs_agreement, _all(405)),
    "partnerships:agreement-amend": (_kwargs_agreement, _all(405)),
    "partnerships:agreement-scan": (_kwargs_agreement, _all(405)),
    "partnerships:agreement-scan-file": (_kwargs_signed_scan, SCHOOL_IN_UNG_HOA),
    "api:me": (None, API_LOGIN_REQUIRED),
    "api:list_units": (None, API_LOGIN_REQUIRED),
    "api:unit_lineage": (lambda: {"unit_id": _kwargs_unit()["pk"]}, API_LOGIN_REQUIRED),
    "api:list_schools": (None, API_LOGIN_REQUIRED),
    "api:get_school": (_kwargs_school, API_IN_UNG_HOA),
    "api:openapi-json": (None, _all(200)),
    "api:openapi-view": (None, _all(200)),
    "api:api-root": (None, _all(404)),
    "api:list_twinnings": (None, API_LOGIN_REQUIRED),
    "matching:run-list": (None, LOGIN_REQUIRED),
    "imports:index": (None, {**OFFICE_ONLY, "pgd.bavi": 200}),
    "imports:upload": (lambda: {"kind": "indicators"}, {**OFFICE_ONLY, "pgd.bavi": 200}),
    "imports:template": (lambda: {"kind": "assessments"}, {**OFFICE_ONLY, "pgd.bavi": 200}),
    "imports:undo": (_kwargs_import, _all(405)),
    "imports:preview": (_kwargs_import, {**OFFICE_ONLY, "admin": 404, "pgd.bavi": 404}),
    "imports:apply": (_kwargs_import, _all(405)),
    "api:create_run": (None, _all(405)),
    "api:get_run": (_kwargs_run, {**API_IN_UNG_HOA, "ht.unghoa": 404, "gv.unghoa": 404}),
    "api:get_result": (_kwargs_run, {**API_IN_UNG_HOA, "ht.unghoa": 404, "gv.unghoa": 404}),
    "api:accept": (_kwargs_run, _all(405)),
    "matching:run-create": (None, {**OFFICE_ONLY, "pgd.bavi": 200}),
    "matching:run-compare": (None, _all(400, anonymous=302)),
    "matching:run-detail": (_kwargs_run, {**SCHOOL_IN_UNG_HOA, "ht.unghoa": 404, "gv.unghoa": 404}),
    "matching:run-accept": (_kwargs_run, _all(405)),
    "api:list_partnerships": (None, API_LOGIN_REQUIRED),
    "api:create_partnership": (None, API_LOGIN_REQUIRED),  # same path as the list: GET lists
    "api:get_partnership": (_kwargs_partnership, API_IN_UNG_HOA),
    "api:add_member": (_kwargs_partnership, _all(405)),
    "api:leave": (_kwargs_leave, _all(405)),
    "api:create_agreement": (_kwargs_partnership, _all(405)),
    "api:get_agreement": (_kwargs_agreement, API_IN_UNG_HOA),
    "api:edit_agreement": (_kwargs_agreement, API_IN_UNG_HOA),  # same path: GET reads
    "api:add_commitment": (_kwargs_agreement, _all(405)),
    "api:send": (_kwargs_agreement, _all(405)),
    "api:sign": (_kwargs_agreement, _all(405)),
    "api:terminate": (_kwargs_agreement, _all(405)),
    "api:amend": (_kwargs_agreement, _all(405)),
    "api:list_assessments": (_kwargs_school, API_IN_UNG_HOA),
    "api:put_assessment": (_kwargs_assessment, _all(405)),
    "api:overview": (None, API_LOGIN_REQUIRED),
    "activities:activity-list": (None, LOGIN_REQUIRED),
    "activities:activity-export": (None, LOGIN_REQUIRED),
    "activities:activity-calendar": (None, LOGIN_REQUIRED),
    "activities:activity-create": (None, {**_all(200, anonymous=302), "xem.hanoi": 403}),
    "activities:activity-detail": (_kwargs_activity, SCHOOL_IN_UNG_HOA),
    "activities:activity-edit": (_kwargs_activity, {**SCHOOL_IN_UNG_HOA, "xem.hanoi": 403}),
    "activities:activity-confirm": (_kwargs_activity, _all(405)),
    "activities:activity-postpone": (_kwargs_activity, _all(405)),
    "activities:activity-cancel": (_kwargs_activity, _all(405)),
    "activities:attendance": (_kwargs_attendance, {**SCHOOL_IN_UNG_HOA, "xem.hanoi": 403}),
    "activities:evidence-add": (_kwargs_activity, _all(405)),
    # private evidence (not shareable): never the viewer
    "activities:evidence-file": (_kwargs_evidence, {**SCHOOL_IN_UNG_HOA, "xem.hanoi": 404}),
    "attention": (None, LOGIN_REQUIRED),
    "attention-remind": (lambda: {"pk": _direct_partnership().pk}, _all(405)),
    "support:support-list": (None, LOGIN_REQUIRED),
    "support:support-export": (None, LOGIN_REQUIRED),
    "support:support-create": (None, {**_all(200, anonymous=302), "xem.hanoi": 403}),
    "support:beneficiary-list": (None, {**_all(403, anonymous=302), "ht.unghoa": 200}),
    "support:support-detail": (_kwargs_support, SCHOOL_IN_UNG_HOA),
    "support:support-evidence": (_kwargs_support, SCHOOL_IN_UNG_HOA),
    "support:support-edit": (_kwargs_support, {**SCHOOL_IN_UNG_HOA, "xem.hanoi": 403}),
    "api:upload": (lambda: {"kind": "indicators"}, _all(405)),
    "api:get_batch": (
        _kwargs_import,
        {**_all(403, anonymous=401), "admin": 404, "pgd.unghoa": 200, "pgd.bavi": 404},
    ),
    "api:apply_batch": (_kwargs_import, _all(405)),
    "api:undo_batch": (_kwargs_import, _all(405)),
    "api:list_indicators": (None, API_LOGIN_REQUIRED),
    "api:create_indicator": (None, API_LOGIN_REQUIRED),  # same path as the list: GET lists
    "api:patch_indicator": (_kwargs_indicator, _all(405)),
    "api:list_values": (None, API_LOGIN_REQUIRED),
    "api:put_value": (
        lambda: {**_kwargs_school(), "code": "TL_GV_TREN_CHUAN", "start_year": 2024},
        _all(405),
    ),
    "api:list_support": (None, API_LOGIN_REQUIRED),
    "api:create_support": (None, API_LOGIN_REQUIRED),  # same path as the list: GET lists
    "api:get_support_figures": (None, API_LOGIN_REQUIRED),
    "api:get_support": (_kwargs_support, API_IN_UNG_HOA),
    "api:edit_support": (_kwargs_support, API_IN_UNG_HOA),  # same path: GET reads
    "api:list_activities": (None, API_LOGIN_REQUIRED),
    "api:create_activity": (None, API_LOGIN_REQUIRED),  # same path as the list: GET lists
    "api:get_activity_figures": (None, API_LOGIN_REQUIRED),
    "api:get_activity": (_kwargs_activity, API_IN_UNG_HOA),
    "api:edit_activity": (_kwargs_activity, API_IN_UNG_HOA),  # same path: GET reads
    "api:confirm_activity": (_kwargs_activity, _all(405)),
    "api:postpone_activity": (_kwargs_activity, _all(405)),
    "api:cancel_activity": (_kwargs_activity, _all(405)),
    "api:get_attendance": (_kwargs_attendance, API_IN_UNG_HOA),
    "api:put_attendance": (_kwargs_attendance, API_IN_UNG_HOA),  # same path: GET reads
    "api:list_evidence": (_kwargs_activity, API_IN_UNG_HOA),
    "api:list_teachers": (_kwargs_school, API_IN_UNG_HOA),
    "api:add_teacher": (_kwargs_school, API_IN_UNG_HOA),  # same path: GET lists
    # figures: every role sees the figures of its own scope (narrowing outside it is a 404: tests/analytics)
    "analytics:dashboard": (None, LOGIN_REQUIRED),
    "analytics:gap": (None, LOGIN_REQUIRED),
    "analytics:gap-chart": (None, LOGIN_REQUIRED),
    "analytics:impact": (None, LOGIN_REQUIRED),
    "analytics:impact-chart": (None, LOGIN_REQUIRED),
    "analytics:chart": (lambda: {"kind": "activities", "by": "kind"}, LOGIN_REQUIRED),
    "analytics:download": (lambda: {"kind": "participations", "by": "area", "fmt": "xlsx"}, LOGIN_REQUIRED),
    # the public page: anyone, aggregates only (tests/analytics/test_public.py crawls it for leaks)
    "analytics:public": (None, _all(200)),
    "analytics:public-department": (lambda: {"code": "so-hanoi"}, _all(200)),
    "analytics:public-download": (lambda: {"code": "so-hanoi", "fmt": "csv"}, _all(200)),
    "analytics:public-chart": (lambda: {"code": "so-hanoi", "column": 5}, _all(200)),
    "analytics:public-gap-chart": (lambda: {"code": "so-hanoi"}, _all(200)),
    # reviews: every user of the department sees its cycles; a partnership's review as the partnership;
    # the records behind a score (and the evidence) only there; cycles are opened by the department's
    # staff and, for their own partnerships, by an office's officers
    "reviews:cycle-list": (None, LOGIN_REQUIRED),
    "reviews:cycle-create": (
        None,
        {**_all(403, anonymous=302), "admin": 200, "pgd.unghoa": 200, "pgd.bavi": 200},
    ),
    "reviews:criteria-list": (None, LOGIN_REQUIRED),
    "reviews:criteria-create": (None, TEMPLATES_ADMIN),
    "reviews:award-kind-create": (None, _all(405)),
    "reviews:cycle-detail": (_kwargs_review_cycle, LOGIN_REQUIRED),
    "reviews:cycle-advance": (_kwargs_review_cycle, _all(405)),
    "reviews:cycle-recompute": (_kwargs_review_cycle, _all(405)),
    "reviews:cycle-export": (_kwargs_review_cycle, TEMPLATES_ADMIN),  # results before publication: runners
    "reviews:awards-propose": (_kwargs_review_award_kind, _all(405)),
    "reviews:nomination-add": (_kwargs_review_cycle, _all(405)),
    # a nomination outside both offices' schools: the department's staff and its viewer only
    "reviews:nomination-detail": (
        _kwargs_review_nomination,
        {**_all(404, anonymous=302), "admin": 200, "xem.hanoi": 200},
    ),
    "reviews:nomination-withdraw": (_kwargs_review_pk("Nomination"), _all(405)),
    "reviews:submission-detail": (_kwargs_review_submission, SCHOOL_IN_UNG_HOA),
    "reviews:narrative-save": (_kwargs_review_criterion, _all(405)),
    "reviews:score-judge": (_kwargs_review_criterion, _all(405)),
    "reviews:submission-submit": (_kwargs_review_submission, _all(405)),
    "reviews:submission-reviewed": (_kwargs_review_submission, _all(405)),
    "reviews:appeal-file": (_kwargs_review_submission, _all(405)),
    "reviews:follow-up-add": (_kwargs_review_submission, _all(405)),
    "reviews:follow-up-done": (_kwargs_review_pk("FollowUp"), _all(405)),
    "reviews:appeal-decide": (_kwargs_review_pk("Appeal"), _all(405)),
    "reviews:award-revoke": (_kwargs_review_pk("Award"), _all(405)),
    "reviews:score-why": (_kwargs_review_score, SCHOOL_IN_UNG_HOA),
    "reviews:score-evidence": (_kwargs_review_evidence, SCHOOL_IN_UNG_HOA),
    # reviews through the API: the same rules as the pages (GETs; the writes are POST/PUT only)
    "api:review_list_sets": (None, API_LOGIN_REQUIRED),
    "api:review_create_set": (None, API_LOGIN_REQUIRED),  # the same address as the list
    "api:review_list_cycles": (None, API_LOGIN_REQUIRED),
    "api:review_open_cycle": (None, API_LOGIN_REQUIRED),  # the same address as the list
    "api:review_get_cycle": (lambda: {"cycle_id": _kwargs_review_cycle()["pk"]}, API_LOGIN_REQUIRED),
    "api:review_advance_cycle": (lambda: {"cycle_id": _kwargs_review_cycle()["pk"]}, _all(405)),
    "api:review_list_submissions": (lambda: {"cycle_id": _kwargs_review_cycle()["pk"]}, API_LOGIN_REQUIRED),
    "api:review_get_submission": (
        lambda: {"submission_id": _kwargs_review_submission()["pk"]},
        API_IN_UNG_HOA,
    ),
    "api:review_score_why": (lambda: {"score_id": _kwargs_review_score()["pk"]}, API_IN_UNG_HOA),
    "api:review_put_narrative": (
        lambda: {
            "submission_id": _kwargs_review_criterion()["pk"],
            "criterion_id": _kwargs_review_criterion()["criterion"],
        },
        _all(405),
    ),
    "api:review_submit": (lambda: {"submission_id": _kwargs_review_submission()["pk"]}, _all(405)),
    "api:review_judge": (
        lambda: {
            "submission_id": _kwargs_review_criterion()["pk"],
            "criterion_id": _kwargs_review_criterion()["criterion"],
        },
        _all(405),
    ),
    "api:review_file_appeal": (lambda: {"submission_id": _kwargs_review_submission()["pk"]}, API_IN_UNG_HOA),
    "api:review_list_appeals": (lambda: {"submission_id": _kwargs_review_submission()["pk"]}, API_IN_UNG_HOA),
    "api:review_decide_appeal": (lambda: {"appeal_id": _kwargs_review_pk("Appeal")()["pk"]}, _all(405)),
    "api:review_list_awards": (lambda: {"cycle_id": _kwargs_review_cycle()["pk"]}, API_LOGIN_REQUIRED),
    "api:review_propose": (lambda: {"cycle_id": _kwargs_review_cycle()["pk"]}, API_LOGIN_REQUIRED),
    "api:review_list_nominations": (lambda: {"cycle_id": _kwargs_review_cycle()["pk"]}, API_LOGIN_REQUIRED),
    "api:review_nominate": (lambda: {"cycle_id": _kwargs_review_cycle()["pk"]}, API_LOGIN_REQUIRED),
    "api:review_revoke": (lambda: {"award_id": _kwargs_review_pk("Award")()["pk"]}, _all(405)),
    "reports:council": (
        lambda: {
            "pk": __import__("chungtay.reviews.models", fromlist=["Cycle"]).Cycle.objects.get(kind="final").pk
        },
        TEMPLATES_ADMIN,
    ),
    "reports:report-list": (None, REPORT_WRITERS),
    "reports:report-create": (None, REPORT_WRITERS),
    "reports:report-detail": (_kwargs_report, OFFICE_REPORT),
    "reports:report-generate": (_kwargs_report, _all(405)),
    "reports:report-file": (_kwargs_report_file, OFFICE_REPORT),
    "reports:template-list": (None, TEMPLATES_ADMIN),
    "reports:template-default": (None, TEMPLATES_ADMIN),
    "reports:template-use": (None, _all(405)),
    "reports:template-file": (_kwargs_template, TEMPLATES_ADMIN),
    "api:list_reports": (None, API_REPORT_WRITERS),
    "api:create_report": (None, API_REPORT_WRITERS),  # same path as the list: GET lists
    "api:get_report": (_kwargs_report_api, API_OFFICE_REPORT),
    "api:generate_report": (_kwargs_report_api, _all(405)),
    "api:generation_figures": (_kwargs_generation_api, API_OFFICE_REPORT),
    "api:generation_file": (_kwargs_generation_file_api, API_OFFICE_REPORT),
    "api:get_figures": (None, API_LOGIN_REQUIRED),
    "api:get_gap": (None, API_LOGIN_REQUIRED),
    "api:get_impact": (None, API_LOGIN_REQUIRED),
    "api:get_figure": (lambda: {"kind": "exchanges"}, API_LOGIN_REQUIRED),
    "directory:branding": (None, TEMPLATES_ADMIN),  # the department's administrator only
    # the emblem is public (the login page shows it); the demo department has none: 404 for everyone
    "directory:emblem": (lambda: {"code": "so-hanoi"}, _all(404)),
}
ADMIN_ONLY = {**_all(302), "admin": 200}
ADMIN_EXCEPTIONS = {
    "admin:login": _all(302),  # redirects to the one login page
    "admin:autocomplete": {**_all(302), "admin": 403},  # refuses a request without its parameters
    # logs written by the system, never added by hand
    **{
        f"admin:{model}_add": {**_all(302), "admin": 403}
        for model in (
            "axes_accessattempt",
            "axes_accessfailurelog",
            "axes_accesslog",
            "django_tasks_database_dbtaskresult",
        )
    },
}


def _names(patterns: list, namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            prefix = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            found.extend(_names(pattern.url_patterns, prefix))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern))
    return found


ALL_URLS = _names(get_resolver().url_patterns)
ADMIN_URLS = sorted(
    name
    for name, pattern in ALL_URLS
    if name.startswith("admin:") and not pattern.pattern.regex.groups and name != "admin:logout"
)


def test_every_url_has_a_rule():
    missing = sorted(name for name, _ in ALL_URLS if name not in MATRIX and not name.startswith("admin:"))
    assert not missing, f"URLs without a permission rule: {missing}"


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(db, name, role):
    kwargs_factory, expected = MATRIX[name]
    kwargs = kwargs_factory() if callable(kwargs_factory) else {}
    client = Client()
    if role != "anonymous":
        client.force_login(User.objects.get(username=role))
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == expected[role], f"{role} GET {name}"


@pytest.mark.parametrize("name", ADMIN_URLS)
@pytest.mark.parametrize("role", ROLES)
def test_admin_pages(db, name, role):
    client = Client()
    if role != "anonymous":
        client.force_login(User.objects.get(username=role))
    response = client.get(reverse(name))
    expected = ADMIN_EXCEPTIONS.get(name, ADMIN_ONLY)
    if name.startswith("admin:directory_") or name == "admin:accounts_apitoken_add":
        # domain models are read-only and the operator's only; tokens are issued from "My account"
        expected = {**_all(302), "admin": 403}
    assert response.status_code == expected[role], f"{role} GET {name}"
