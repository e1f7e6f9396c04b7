from django.db.models import Sum

from chungtay.support.demo import load_demo_support
from chungtay.support.models import Beneficiary, SupportRecord


def test_the_demo_ledger_has_the_seeds_orders_of_magnitude(db):
    # seeds: hundreds of scholarships, thousands of books, equipment and free classes over the phase
    scholarships = SupportRecord.objects.filter(kind="scholarship").aggregate(n=Sum("quantity"))["n"]
    books = SupportRecord.objects.filter(kind__in=["books", "notebooks"]).aggregate(n=Sum("quantity"))["n"]
    assert 300 <= scholarships <= 5_000
    assert books >= 10_000
    assert SupportRecord.objects.filter(kind="free_classes").exists()
    # pupils are codes of their school, unique within it
    codes = Beneficiary.objects.values_list("school_id", "code")
    assert len(codes) == len(set(codes)) > 0
    assert all(code.startswith("HS-") for _, code in codes[:50])


def test_loading_the_demo_again_changes_nothing(db):
    before = SupportRecord.objects.count()
    assert load_demo_support(seed=2022)["created"] == 0
    assert SupportRecord.objects.count() == before
