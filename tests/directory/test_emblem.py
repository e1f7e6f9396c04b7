"""The department's emblem: set by its administrator, re-encoded as a small PNG, served to everyone and
shown on the login page and in the menu bar; a file that is not an image is refused and changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from chungtay.directory.models import EducationOffice
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _png(side: int = 600) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA", (side, side), (200, 30, 30, 255)).save(buffer, format="PNG")
    return SimpleUploadedFile("quoc-huy.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_the_administrator_sets_the_emblem_and_everyone_sees_it(client: Client) -> None:
    login(client, "admin")
    response = client.post("/department/emblem/", {"emblem": _png()})
    assert response.status_code == 302
    department = EducationOffice.objects.get(code="so-hanoi")
    assert department.emblem.name.endswith(".png")
    home = client.get("/").content.decode()
    assert 'data-testid="menu-emblem"' in home and "/emblem/so-hanoi.png" in home
    client.logout()
    served = client.get("/emblem/so-hanoi.png")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert image.format == "PNG" and max(image.size) <= 256  # re-encoded, at most 256 px
    page = client.get("/accounts/login/").content.decode()
    assert 'data-testid="login-emblem"' in page and "Biểu trưng của Sở Giáo dục và Đào tạo Hà Nội" in page
    # removed: the pages show the name alone and the address answers 404
    login(client, "admin")
    assert client.post("/department/emblem/", {"remove": "on"}).status_code == 302
    assert client.get("/emblem/so-hanoi.png").status_code == 404
    assert 'data-testid="menu-emblem"' not in client.get("/").content.decode()


def test_a_file_that_is_not_an_image_is_refused_and_changes_nothing(client: Client) -> None:
    login(client, "admin")
    fake = SimpleUploadedFile("quoc-huy.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = client.post("/department/emblem/", {"emblem": fake})
    assert response.status_code == 400
    assert "Biểu trưng phải là ảnh PNG, JPEG hoặc WebP." in response.content.decode()
    assert not EducationOffice.objects.get(code="so-hanoi").emblem
    empty = client.post("/department/emblem/", {})
    assert empty.status_code == 400 and "Hãy chọn một ảnh" in empty.content.decode()


def test_only_the_departments_administrator_changes_it(client: Client) -> None:
    login(client, "pgd.unghoa")
    assert client.post("/department/emblem/", {"emblem": _png()}).status_code == 403
    assert not EducationOffice.objects.get(code="so-hanoi").emblem
