from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chungtay.accounts import services
from chungtay.accounts.forms import TokenForm
from chungtay.accounts.http import AuthenticatedRequest
from chungtay.accounts.models import ApiToken
from chungtay.accounts.network import address_locked
from chungtay.core.errors import NotFound
from chungtay.core.forms import submit


class ThrottledLoginView(auth_views.LoginView):
    """The login page, refused for a while (429) to an address that failed too often across usernames;
    django-axes locks each username tried from one address on top of this."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if address_locked(request):
            return render(request, "accounts/locked_out.html", {"by_address": True}, status=429)
        return super().post(request, *args, **kwargs)


def _profile_context(
    request: AuthenticatedRequest, form: TokenForm, new_token: str | None = None
) -> dict[str, object]:
    return {
        "form": form,
        "tokens": ApiToken.objects.filter(user_id=int(request.user.pk or 0)),
        "new_token": new_token,
        "scope_units": request.user.scope_units.order_by("sort_key")[:200],
    }


@require_GET
@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", _profile_context(request, TokenForm()))


@require_POST
@login_required
def token_create(request: AuthenticatedRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    submitted = submit(
        form,
        lambda data: services.issue_api_token(
            acting_user=request.user,
            name=data["name"],
            read_only=data["read_only"],
            expires_at=form.expiry(timezone.now()),
        ),
    )
    if not submitted.done:
        context = _profile_context(request, form)
        return render(request, "accounts/profile.html", context, status=submitted.status)
    token, raw = submitted.value
    messages.success(
        request,
        _("Token “%(name)s” created. Copy it now: it will not be shown again.") % {"name": token.name},
    )
    return render(
        request, "accounts/profile.html", _profile_context(request, TokenForm(), new_token=raw), status=201
    )


@require_POST
@login_required
def token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        token = services.revoke_api_token(acting_user=request.user, token_id=pk)
    except NotFound as error:
        raise Http404 from error
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:profile")
