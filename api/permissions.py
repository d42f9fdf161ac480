"""Who may do what through the API."""

from rest_framework import permissions


class ModelPermissionsOrAnonReadOnly(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """DRF's ``DjangoModelPermissionsOrAnonReadOnly``: anyone may read, and a write needs
    the model's add, change or delete permission.

    A read needs no permission, so it is let through before DRF builds the view's
    queryset, which DRF does only to learn the model: the archive's querysets are built
    with each reader's visibility rule, a cost every read paid for nothing."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS and not self.perms_map[request.method]:
            return bool(request.user)
        return super().has_permission(request, view)
