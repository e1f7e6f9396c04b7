"""Uploaded files: stored where no URL serves them, under random names, checked whole, served only by
scoped views with the checked type; rejected imports leave no file behind."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from PIL import Image

from chungtay.activities import services as activity_services
from chungtay.core import files
from chungtay.core.evidence import EvidenceRefused
from chungtay.imports.models import ImportBatch
from chungtay.partnerships import exceptions as pe
from chungtay.partnerships import services as partnership_services
from chungtay.partnerships.models import Agreement
from tests.activities.conftest import pair, topic  # noqa: F401
from tests.factories import pdf_bytes
from tests.partnerships.conftest import hm_uh, leaders_pair, user  # noqa: F401

ROLES = [
    "admin",
    "pgd.unghoa",
    "pgd.hoangmai",
    "ht.unghoa",
    "gv.unghoa",
    "ht.hoangmai",
    "xem.hanoi",
    "pgd.bavi",
]


def _png(width=40, height=30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 30, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _header_only_png(width: int, height: int) -> bytes:
    """A small PNG announcing a huge image with almost no pixel data: a "pixel bomb"."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def _docx(macros: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        kind = "application/vnd.ms-word.document.macroEnabled.main+xml" if macros else "application/xml"
        archive.writestr("[Content_Types].xml", f'<Types><Override ContentType="{kind}"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00VBA")
    return buffer.getvalue()


def _agreement(leaders_pair):  # noqa: F811
    return partnership_services.draft_agreement(
        acting_user=user("pgd.hoangmai"), partnership=leaders_pair, kind="memorandum", title="BBGN", terms="…"
    )


def test_no_url_serves_the_private_files_folder(settings, db):
    with pytest.raises(Resolver404):
        resolve(f"{settings.MEDIA_URL}evidence/2026/01/anh.jpg")
    with pytest.raises(Resolver404):
        resolve("/media/evidence/2026/01/anh.jpg")
    with pytest.raises(ValueError):
        default_storage.url("anything.pdf")


def test_stored_names_are_random_and_typed_by_content(leaders_pair):  # noqa: F811
    agreement = _agreement(leaders_pair)
    partnership_services.attach_signed_scan(
        acting_user=user("pgd.hoangmai"),
        agreement=agreement,
        upload=SimpleUploadedFile("bien-ban-ky-ket.png", pdf_bytes("scan")),
    )
    agreement.refresh_from_db()
    name = agreement.signed_scan.name
    assert name.startswith("agreements/") and name.endswith(".pdf")
    assert "bien-ban" not in name and len(name.rsplit("/", 1)[-1]) > 30


def test_signed_scan_is_served_only_to_those_who_see_the_agreement(client, leaders_pair):  # noqa: F811
    agreement = _agreement(leaders_pair)
    partnership_services.attach_signed_scan(
        acting_user=user("pgd.hoangmai"), agreement=agreement, upload=SimpleUploadedFile("s.pdf", pdf_bytes())
    )
    url = reverse("partnerships:agreement-scan-file", args=[agreement.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(user("pgd.bavi"))
    assert client.get(url).status_code == 404
    client.force_login(user("ht.unghoa"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    page = client.get(reverse("partnerships:agreement-detail", args=[agreement.pk])).content.decode()
    assert url in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>", files.DAMAGED),  # HTML behind a PDF header
        (_header_only_png(100_000, 100_000), files.IMAGE_TOO_BIG % {"limit": 60}),
        (_header_only_png(9_000, 9_000), files.IMAGE_TOO_BIG % {"limit": 60}),  # under Pillow's own limit
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, files.DAMAGED),  # truncated
    ],
)
def test_disguised_scans_are_refused(leaders_pair, content, message):  # noqa: F811
    agreement = _agreement(leaders_pair)
    with pytest.raises(pe.PartnershipError) as excinfo:
        partnership_services.attach_signed_scan(
            acting_user=user("pgd.hoangmai"), agreement=agreement, upload=SimpleUploadedFile("s.png", content)
        )
    assert str(excinfo.value.message) == str(message)
    assert not Agreement.objects.get(pk=agreement.pk).signed_scan


def test_a_jpeg_html_polyglot_is_stored_without_its_payload(leaders_pair):  # noqa: F811
    agreement = _agreement(leaders_pair)
    payload = b"<html><script>alert(document.cookie)</script></html>"
    partnership_services.attach_signed_scan(
        acting_user=user("pgd.hoangmai"),
        agreement=agreement,
        upload=SimpleUploadedFile("scan.jpg", _jpeg() + payload),
    )
    agreement.refresh_from_db()
    with agreement.signed_scan.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"\xff\xd8\xff") and payload not in stored


def test_macro_enabled_office_files_are_refused_plain_ones_downloaded(client, topic):  # noqa: F811
    with pytest.raises(EvidenceRefused) as excinfo:
        activity_services.attach_evidence(
            acting_user=user("gv.hoangmai"),
            activity=topic,
            kind="other",
            upload=SimpleUploadedFile("bai.docm", _docx(macros=True)),
        )
    assert str(excinfo.value.message) == str(files.MACROS)
    evidence = activity_services.attach_evidence(
        acting_user=user("gv.hoangmai"),
        activity=topic,
        kind="other",
        upload=SimpleUploadedFile("bai.docx", _docx(macros=False)),
    )
    client.force_login(user("gv.hoangmai"))
    response = client.get(reverse("activities:evidence-file", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == files.DOCX
    assert response["Content-Disposition"].startswith("attachment;")


def test_an_html_file_claiming_to_be_a_pdf_is_refused_as_support_evidence(pair):  # noqa: F811
    from chungtay.core.errors import DomainError
    from chungtay.support.services import record_support, register_donor

    leader = user("ht.hoangmai")
    donor = register_donor(acting_user=leader, kind="school", school=leader.school)
    with pytest.raises(DomainError) as excinfo:
        record_support(
            acting_user=leader,
            kind="books",
            quantity=10,
            unit="cuốn",
            given_on=__import__("datetime").date(2024, 3, 1),
            donor=donor,
            receiving_school=user("ht.unghoa").school,
            partnership=pair,
            evidence=SimpleUploadedFile("x.pdf", b"%PDF-1.4\n<html><body>phishing</body></html>"),
        )
    assert str(excinfo.value.message) == str(files.DAMAGED)


@pytest.mark.parametrize("role", ROLES)
def test_private_evidence_by_role(client, topic, role):  # noqa: F811
    """The rule (activities.selectors.may_see_private_evidence): the activity's schools, their officers and
    the department's administrator see private evidence; the viewer and outsiders never; shareable
    evidence is seen by the whole department."""
    private = activity_services.attach_evidence(
        acting_user=user("gv.hoangmai"),
        activity=topic,
        kind="photo",
        upload=SimpleUploadedFile("a.png", _png()),
    )
    shared = activity_services.attach_evidence(
        acting_user=user("gv.hoangmai"),
        activity=topic,
        kind="photo",
        upload=SimpleUploadedFile("b.png", _png()),
        shareable=True,
    )
    sees_private = role in {"admin", "pgd.unghoa", "pgd.hoangmai", "ht.unghoa", "gv.unghoa", "ht.hoangmai"}
    client.force_login(user(role))
    for size in ("", "thumb"):
        got = client.get(
            reverse("activities:evidence-file", args=[private.pk]), {"size": size} if size else {}
        )
        assert got.status_code == (200 if sees_private else 404)
        if sees_private:
            assert got["Content-Type"] == "image/jpeg"
    assert client.get(reverse("activities:evidence-file", args=[shared.pk])).status_code == 200


def test_a_rejected_import_leaves_no_file(client, db):
    client.force_login(user("pgd.unghoa"))
    bad = SimpleUploadedFile("truong.csv", "Mã trường;Tên\n;\n".encode())
    response = client.post(reverse("imports:upload", args=["schools"]), {"file": bad})
    assert response.status_code in (200, 400)
    batch = ImportBatch.objects.filter(uploaded_by=user("pgd.unghoa")).latest("pk")
    assert batch.status == ImportBatch.Status.REJECTED
    assert not batch.file
    assert batch.checksum and batch.file_name == "truong.csv"


def test_behind_nginx_the_web_server_sends_the_bytes(client, leaders_pair, settings):  # noqa: F811
    agreement = _agreement(leaders_pair)
    partnership_services.attach_signed_scan(
        acting_user=user("pgd.hoangmai"), agreement=agreement, upload=SimpleUploadedFile("s.pdf", pdf_bytes())
    )
    agreement.refresh_from_db()
    settings.PRIVATE_FILES_SENDFILE = "nginx"
    client.force_login(user("ht.unghoa"))
    response = client.get(reverse("partnerships:agreement-scan-file", args=[agreement.pk]))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == settings.PRIVATE_FILES_ACCEL_PREFIX + agreement.signed_scan.name
    assert response["Content-Type"] == "application/pdf"
