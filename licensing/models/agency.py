"""Agencies (administrative organs) and the people who work in them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from licensing.choices import Role


class Agency(models.Model):
    """An administrative organ that implements licences (Art. 22–23).

    ``parent`` links a lower organ to the upper organ for two-tier items (Art. 35);
    ``region`` selects the working-day calendar (law.md §3.4: regional holidays)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    region = models.CharField(
        _("calendar region"),
        max_length=20,
        default="CN",
        help_text=_("Region code of the working-day calendar; CN is the national calendar."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("upper organ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    head = models.ForeignKey(
        "licensing.User",
        verbose_name=_("head of the organ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("office address"), max_length=300, blank=True)
    phone = models.CharField(_("consultation phone"), max_length=40, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=200, blank=True)
    reconsideration_organ = models.CharField(
        _("reconsideration organ"),
        max_length=200,
        blank=True,
        help_text=_("Named in the remedy block of adverse decisions (Reconsideration Law Arts. 24–25)."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def delete(self):
        raise UserDeletionRefused(_("Users are deactivated, never deleted."))


class XukeUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class UserDeletionRefused(Exception):
    """Raised on any attempt to delete a user: officials' records must stay attributable
    (design.md principle 5); deactivate the account instead."""


class User(AbstractUser):
    """Any person using Xuke. Staff belong to one agency; applicants to none.

    Users are deactivated, never deleted: their actions stay in the audit log for ever."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    staff_number = models.CharField(
        _("staff number"),
        max_length=40,
        blank=True,
        help_text=_("Shown publicly on the timeline instead of the official's name."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = XukeUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["staff_number"],
                condition=~models.Q(staff_number=""),
                name="user_staff_number_unique",
            )
        ]

    def delete(self, *args, **kwargs):
        raise UserDeletionRefused(_("Users are deactivated, never deleted."))

    def roles(self) -> frozenset[str]:
        """The user's roles: the names of their groups that are roles (cached per instance)."""
        if not hasattr(self, "_roles"):
            valid = set(Role.values)
            self._roles = frozenset(g.name for g in self.groups.all() if g.name in valid)
        return self._roles

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.roles()
