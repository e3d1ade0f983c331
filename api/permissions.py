"""API permission classes; object scoping (agency, owner) is done in querysets and services."""

from rest_framework.permissions import BasePermission


class HasRole(BasePermission):
    """Allow users holding any of ``view.required_roles``."""

    message = "Your role does not allow this."

    def has_permission(self, request, view):
        user = request.user
        roles = getattr(view, "required_roles", ())
        return bool(user and user.is_authenticated and any(user.has_role(r) for r in roles))
