import pytest
from django.test import Client
from django.urls import reverse

from chungtay.accounts.models import ApiToken, User
from tests.conftest import DEMO_PASSWORD


@pytest.fixture
def request_client():
    return Client(REMOTE_ADDR="10.1.2.3")


def test_login_with_the_demo_password_opens_the_home_page(db, request_client):
    response = request_client.post(
        reverse("accounts:login"), {"username": "pgd.unghoa", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    home = request_client.get("/")
    assert home.status_code == 200
    assert home.context["user"].username == "pgd.unghoa"


def test_wrong_password_is_refused_with_a_message(db, request_client):
    response = request_client.post(reverse("accounts:login"), {"username": "pgd.unghoa", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_five_failures_lock_the_account_even_with_the_right_password(db, request_client):
    for _ in range(5):
        request_client.post(reverse("accounts:login"), {"username": "pgd.bavi", "password": "wrong"})
    response = request_client.post(
        reverse("accounts:login"), {"username": "pgd.bavi", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 429
    assert "15" in response.content.decode()


def test_logout_needs_post(client, as_user):
    as_user("pgd.unghoa")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_password_change(client, as_user):
    as_user("gv.unghoa")
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Hoc-tap-tot-2025!",
            "new_password2": "Hoc-tap-tot-2025!",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="gv.unghoa").check_password("Hoc-tap-tot-2025!")


def test_password_change_with_wrong_old_password_changes_nothing(client, as_user):
    as_user("gv.unghoa")
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "wrong", "new_password1": "Hoc-tap-tot-2025!", "new_password2": "Hoc-tap-tot-2025!"},
    )
    assert response.status_code == 200
    assert User.objects.get(username="gv.unghoa").check_password(DEMO_PASSWORD)


@pytest.mark.parametrize(("username", "status"), [("admin", 200), ("pgd.unghoa", 302), ("xem.hanoi", 302)])
def test_django_admin_is_for_the_city_administrator_only(client, as_user, username, status):
    as_user(username)
    assert client.get("/admin/").status_code == status


def test_a_token_is_shown_once_and_stored_hashed(client, as_user):
    user = as_user("pgd.unghoa")
    response = client.post(
        reverse("accounts:token-create"), {"name": "Báo cáo", "read_only": "on", "expires_in_days": 30}
    )
    assert response.status_code == 201
    raw = response.context["new_token"]
    token = ApiToken.objects.get(user=user)
    assert raw.startswith("ct_")
    assert raw not in token.key_hash and len(token.key_hash) == 64
    assert client.get(reverse("accounts:profile")).content.decode().count(raw) == 0


def test_a_token_form_without_a_name_is_refused(client, as_user):
    user = as_user("pgd.unghoa")
    response = client.post(reverse("accounts:token-create"), {"name": "", "expires_in_days": 30})
    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=user).exists()


def test_revoking_someone_elses_token_is_404(client, as_user):
    from chungtay.accounts.services import issue_api_token

    token, _ = issue_api_token(
        acting_user=User.objects.get(username="admin"), name="x", read_only=True, expires_at=None
    )
    as_user("pgd.unghoa")
    assert client.post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_one_address_trying_many_usernames_is_stopped(db, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    client = Client(REMOTE_ADDR="10.9.9.9")
    names = ["pgd.unghoa", "pgd.bavi", "pgd.hoangmai", "ht.unghoa", "gv.unghoa", "xem.hanoi"]
    for name in names:  # one try each: no username reaches its own limit
        assert client.post(reverse("accounts:login"), {"username": name, "password": "x"}).status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "/" not in response.get("Location", "")
    # another address is not affected
    other = Client(REMOTE_ADDR="10.9.9.10")
    assert (
        other.post(reverse("accounts:login"), {"username": "admin", "password": DEMO_PASSWORD}).status_code
        == 302
    )


def test_behind_a_trusted_proxy_the_forwarded_client_is_throttled_not_the_proxy(db, settings):
    from chungtay.accounts.network import _trusted

    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    _trusted.cache_clear()
    attacker = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.7")
    for _ in range(5):
        attacker.post(reverse("accounts:login"), {"username": "pgd.bavi", "password": "wrong"})
    locked = attacker.post(reverse("accounts:login"), {"username": "pgd.bavi", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    colleague = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.8")
    response = colleague.post(reverse("accounts:login"), {"username": "pgd.bavi", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    # an untrusted sender cannot pick its address by forging the header
    settings.TRUSTED_PROXIES = []
    _trusted.cache_clear()
    from chungtay.accounts.network import client_ip

    forged = Client(REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.8").get("/").wsgi_request
    assert client_ip(forged) == "198.51.100.1"


def test_production_settings_share_the_rate_limit_cache_between_workers(tmp_path):
    """Without Redis, a PostgreSQL install counts API requests in the database (one count for every
    gunicorn worker), on a connection of its own; only the single-process SQLite default keeps memory."""
    import json
    import subprocess
    import sys

    code = (
        "import json; from chungtay import settings as s; "
        "print(json.dumps([s.CACHES['default']['BACKEND'], sorted(s.DATABASES)]))"
    )
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/chungtay", "PYTHONPATH": "src", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    backend, aliases = json.loads(out.stdout)
    assert backend == "django.core.cache.backends.db.DatabaseCache" and aliases == ["cache", "default"]
    env = {"PYTHONPATH": "src", "PATH": "", "CHUNGTAY_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)[0].endswith("LocMemCache")
