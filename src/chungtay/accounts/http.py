"""The request type of the pages and API operations that require a login."""

from __future__ import annotations

from django.http import HttpRequest

from chungtay.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request that passed `login_required` (or the API's authentication): its user is a `User`.
    Views annotate their request with it instead of casting `request.user` in each."""

    user: User
