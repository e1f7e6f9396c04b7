"""Factories for data beside the demo city: a second department, offices, schools and users."""

from __future__ import annotations

import datetime as dt

import factory

from chungtay.accounts.models import Role, User
from chungtay.directory.models import AdminUnit, EducationOffice, School, SchoolLocation, SchoolManagement


def hanoi_district(short_name: str) -> AdminUnit:
    return AdminUnit.objects.get(
        edition="pre2025", level="district", province__code="01", short_name=short_name
    )


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EducationOffice

    kind = EducationOffice.Kind.DEPARTMENT
    code = factory.Sequence(lambda n: f"so-test-{n}")
    name = factory.Sequence(lambda n: f"Sở Giáo dục và Đào tạo Thử nghiệm {n}")
    short_name = factory.Sequence(lambda n: f"Sở GD&ĐT Thử nghiệm {n}")
    unit = factory.LazyFunction(lambda: AdminUnit.objects.get(edition="2025", level="province", code="79"))


class DistrictOfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EducationOffice

    kind = EducationOffice.Kind.DISTRICT_OFFICE
    code = factory.Sequence(lambda n: f"pgd-test-{n}")
    name = factory.Sequence(lambda n: f"Phòng Giáo dục và Đào tạo thử nghiệm {n}")
    short_name = factory.Sequence(lambda n: f"Phòng GD&ĐT thử nghiệm {n}")
    department = factory.SubFactory(DepartmentFactory)
    unit = factory.LazyFunction(
        lambda: AdminUnit.objects.filter(edition="pre2025", level="district", province__code="79").first()
    )
    valid_to = dt.date(2025, 6, 30)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        skip_postgeneration_save = True

    moet_id = factory.Sequence(lambda n: f"79{n:07d}")
    name = factory.Sequence(lambda n: f"Trường Tiểu học Thử Nghiệm {n}")
    level = "th"
    ownership = "public"
    department = factory.SubFactory(DepartmentFactory)

    @factory.post_generation
    def ward(self, create: bool, extracted: AdminUnit | None, **kwargs: object) -> None:
        if not create:
            return
        ward = (
            extracted
            or AdminUnit.objects.filter(edition="pre2025", level="ward", province__code="79").first()
        )
        SchoolLocation.objects.create(school=self, unit=ward)

    @factory.post_generation
    def office(self, create: bool, extracted: EducationOffice | None, **kwargs: object) -> None:
        if create and extracted is not None:
            SchoolManagement.objects.create(school=self, office=extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.VIEWER
    password = factory.PostGenerationMethodCall("set_password", "pw-12345-long")


def pdf_bytes(title: str = "Chung Tay") -> bytes:
    """A small real PDF (one blank page): uploads are parsed whole, so test files must be real."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
