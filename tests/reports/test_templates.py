"""A department's own report template (issue 18): the built-in template renders into a report that
passes the layout rules; a bad template is refused with its reasons and changes nothing; versions are
kept, one in use, and a generation records the version that made it."""

from __future__ import annotations

import io

import docx
import pytest
from django.test import Client
from docx.shared import Mm

from chungtay.accounts.models import Role
from chungtay.core import conformance, conversion
from chungtay.core.errors import Forbidden
from chungtay.reports import services, templating
from chungtay.reports.documents import report_parts
from chungtay.reports.models import ReportTemplate
from tests.factories import UserFactory

YEAR = {"year": ["2022-2023"]}


def _default(world) -> bytes:  # noqa: ANN001
    return templating.default_template("report", services.sample_parts(world.admin, "report"))


def _edited(data: bytes, change) -> bytes:  # noqa: ANN001
    document = docx.Document(io.BytesIO(data))
    change(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _refused(world, data: bytes) -> list[str]:  # noqa: ANN001
    with pytest.raises(services.TemplateRefused) as refused:
        services.upload_template(acting_user=world.admin, data=data, name="mau.docx", kind="report")
    assert not ReportTemplate.objects.exists()
    return refused.value.problems


def test_the_built_in_template_is_accepted_and_makes_a_conforming_report(world):
    template = services.upload_template(
        acting_user=world.admin, data=_default(world), name="mau.docx", kind="report"
    )
    assert (template.version, template.active) == (1, True)
    report = services.start_report(acting_user=world.admin, kind="interim", params=YEAR)
    generation = services.generate(report, world.admin)
    assert generation.template_version == template.label
    assert generation.conformance == []
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(bytes(generation.docx))).paragraphs)
    assert "I. KẾT QUẢ ĐẠT ĐƯỢC" in text and "{{" not in text
    pages = conversion.pdf_pages(bytes(generation.pdf))
    assert (
        conformance.failures(
            conformance.check_pdf(pages, templating.unbroken_lines(report_parts(report, None)))
        )
        == []
    )
    # a second upload is version 2 and the one in use; the first can be put back, or the built-in layout
    second = services.upload_template(
        acting_user=world.admin, data=_default(world), name="mau-2.docx", kind="report"
    )
    assert second.version == 2 and list(ReportTemplate.objects.filter(active=True)) == [second]
    services.use_template(acting_user=world.admin, kind="report", template_id=template.pk)
    assert list(ReportTemplate.objects.filter(active=True)) == [template]
    services.use_template(acting_user=world.admin, kind="report", template_id=None)
    assert not ReportTemplate.objects.filter(active=True).exists()
    assert services.generate(report, world.admin).template_version == "mặc định 1"


def test_an_office_report_keeps_the_built_in_layout(world):
    services.upload_template(acting_user=world.admin, data=_default(world), name="mau.docx", kind="report")
    report = services.start_report(acting_user=world.officer_a, kind="interim", params=YEAR)
    assert services.template_for(report) is None


def test_only_the_department_administrator_manages_templates(world, client: Client):
    with pytest.raises(Forbidden):
        services.upload_template(
            acting_user=world.officer_a, data=_default(world), name="mau.docx", kind="report"
        )
    client.force_login(world.officer_a)
    assert client.get("/reports/templates/").status_code == 403
    assert client.get("/reports/templates/default.docx").status_code == 403
    leader = UserFactory(username="so79.ht", role=Role.SCHOOL_LEADER, school=world.schools["a1"])
    with pytest.raises(Forbidden):
        services.templates_of(leader, "report")


def test_a_file_that_is_not_word_is_refused(world):
    assert "Word" in _refused(world, b"%PDF-1.4 not a template")[0]
    assert "Word" in _refused(world, b"PK\x03\x04 broken zip")[0]


def test_unknown_and_missing_placeholders_are_named(world):
    def rename(document):  # noqa: ANN001
        for paragraph in document.paragraphs:
            for run in paragraph.runs:
                run.text = run.text.replace("{{ trich_yeu }}", "{{ tieu_de }}")

    problems = _refused(world, _edited(_default(world), rename))
    assert any("{{ tieu_de }}" in p for p in problems)
    assert any("trich_yeu" in p and "thiếu" in p for p in problems)


def test_a_tag_split_by_word_is_refused_with_where_it_is(world):
    def split(document):  # noqa: ANN001
        paragraph = next(p for p in document.paragraphs if "{{ trich_yeu }}" in p.text)
        run = paragraph.runs[0]
        run.text = "{{ trich"
        tail = paragraph.add_run("_yeu }}")
        tail.bold = True

    problems = _refused(world, _edited(_default(world), split))
    assert len(problems) == 1 and "bị Word tách" in problems[0] and "{{ trich_yeu }}" in problems[0]


def test_a_template_that_breaks_the_layout_is_refused_with_the_rules(world):
    def margins(document):  # noqa: ANN001
        document.sections[0].left_margin = Mm(20)
        document.sections[0].top_margin = Mm(10)

    problems = _refused(world, _edited(_default(world), margins))
    assert any(p.startswith("Thể thức chưa đúng — lề trái 30–35 mm") for p in problems)
    assert any("lề trên 20–25 mm" in p for p in problems)


def test_a_syntax_error_is_refused(world):
    def broken(document):  # noqa: ANN001
        document.add_paragraph("{% if %}")

    assert any("Cú pháp" in p for p in _refused(world, _edited(_default(world), broken)))


def test_the_templates_page_uploads_and_refuses(world, client: Client):
    client.force_login(world.admin)
    assert client.get("/reports/templates/").status_code == 200
    default = client.get("/reports/templates/default.docx")
    assert default.status_code == 200 and default.content.startswith(b"PK")
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post("/reports/templates/", {"file": SimpleUploadedFile("x.docx", b"not word")})
    assert bad.status_code == 400 and "không phải văn bản Word" in bad.content.decode()
    good = client.post("/reports/templates/", {"file": SimpleUploadedFile("mau.docx", default.content)})
    assert good.status_code == 302
    template = ReportTemplate.objects.get()
    assert client.get(f"/reports/templates/{template.pk}.docx").content == default.content
    assert client.post("/reports/templates/use/", {"template": ""}).status_code == 302
    assert not ReportTemplate.objects.filter(active=True).exists()
    assert client.post("/reports/templates/use/", {"template": "999999"}).status_code == 404


def test_a_template_with_macros_is_refused_as_any_upload_is(world):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_default(world))) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("word/vbaProject.bin", b"\x00macro")
    problems = _refused(world, buffer.getvalue())
    assert len(problems) == 1 and "macro" in problems[0].lower()
