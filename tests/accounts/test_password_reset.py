"""A forgotten password: a link by e-mail that sets a new one once, the same answer whether or not an
account has the address (nothing is given away), and an expired or used link said plainly."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from chungtay.accounts.models import User


def test_a_link_by_email_sets_a_new_password_once(db, client: Client) -> None:  # noqa: ANN001
    user = User.objects.get(username="ht.unghoa")
    user.email = "hieutruong@example.invalid"
    user.save(update_fields=["email"])
    login_page = client.get("/accounts/login/").content.decode()
    assert "/accounts/password/reset/" in login_page
    sent = client.post("/accounts/password/reset/", {"email": "hieutruong@example.invalid"}, follow=True)
    assert "Nếu có tài khoản dùng địa chỉ này" in sent.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hieutruong@example.invalid"]
    body = mail.outbox[0].body
    assert "ht.unghoa" in body
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", body)
    assert link is not None
    form = client.get(link.group(1), follow=True)
    assert 'data-testid="new-password-form"' in form.content.decode()
    weak = client.post(form.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "new-password-form" in weak.content.decode()  # refused, shown again
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Mat-khau-moi-2026", "new_password2": "Mat-khau-moi-2026"},
        follow=True,
    )
    assert 'data-testid="reset-done"' in done.content.decode()
    fresh = Client()
    logged_in = fresh.post("/accounts/login/", {"username": "ht.unghoa", "password": "Mat-khau-moi-2026"})
    assert logged_in.status_code == 302 and fresh.get("/").status_code == 200
    # the same link a second time: used, said plainly
    again = client.get(link.group(1), follow=True)
    assert 'data-testid="reset-invalid"' in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(db, client: Client) -> None:  # noqa: ANN001
    sent = client.post("/accounts/password/reset/", {"email": "khong-co@example.invalid"}, follow=True)
    assert "Nếu có tài khoản dùng địa chỉ này" in sent.content.decode()
    assert mail.outbox == []
