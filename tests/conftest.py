"""Persona fixtures (style.md 21): one user per role in one agency, an outsider from another
agency, and an application received there. Build anything else with ``tests.factories``."""

from __future__ import annotations

import pytest
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from licensing.choices import Role
from tests.factories import AgencyFactory, ApplicationFactory, LicenceItemFactory, StaffFactory, UserFactory


@receiver(connection_created)
def allow_audit_truncate(sender, connection, **kwargs):
    """Transactional tests empty every table with TRUNCATE; on PostgreSQL the action log's trigger
    allows that only in a session that sets this variable (licensing migration 0003)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET xuke.allow_audit_truncate = 'on'")


@pytest.fixture
def agency(db):
    return AgencyFactory(code="test-amr", name="测试市市场监督管理局", name_en="Test City Market Regulation")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(code="other-amr", name="邻市市场监督管理局", name_en="Neighbour City Market Regulation")


@pytest.fixture
def clerk(agency):
    return StaffFactory(username="clerk", agency=agency, roles=[Role.CLERK])


@pytest.fixture
def examiner(agency):
    return StaffFactory(username="examiner", agency=agency, roles=[Role.EXAMINER])


@pytest.fixture
def head(agency):
    return StaffFactory(username="head", agency=agency, roles=[Role.HEAD])


@pytest.fixture
def hearing_officer(agency):
    return StaffFactory(username="hearing", agency=agency, roles=[Role.HEARING_OFFICER])


@pytest.fixture
def supervisor(db):
    return StaffFactory(username="supervisor", agency=AgencyFactory(code="supervision"), roles=[Role.SUPERVISOR])


@pytest.fixture
def administrator(db):
    return StaffFactory(username="admin", agency=None, roles=[Role.ADMINISTRATOR], is_staff=True)


@pytest.fixture
def applicant(db):
    return UserFactory(username="applicant", roles=[Role.APPLICANT])


@pytest.fixture
def outsider(other_agency):
    """A window clerk of another agency: staff, but not of this case's agency."""
    return StaffFactory(username="outsider", agency=other_agency, roles=[Role.CLERK])


@pytest.fixture
def item(agency):
    return LicenceItemFactory(code="test-food-business", name="食品经营许可", agency=agency)


@pytest.fixture
def application(item, applicant):
    return ApplicationFactory(item=item, applicant=applicant)
