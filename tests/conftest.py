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


# -- the applicant portal (issue 6) ---------------------------------------------------------------

PORTAL_FORM_SCHEMA = [
    {"name": "premises", "label": "Business premises address", "type": "text", "required": True,
     "help": "Where the food business operates."},
    {"name": "area", "label": "Floor area in square metres", "type": "number", "required": True},
    {"name": "opening", "label": "Planned opening date", "type": "date", "required": False},
    {"name": "category", "label": "Business category", "type": "choice", "required": True,
     "choices": [["retail", "Food retail"], ["catering", "Catering service"]]},
    {"name": "notes", "label": "Anything else we should know", "type": "textarea", "required": False},
]


@pytest.fixture
def portal_item(agency):
    """A published item with an application form and three materials: two required uploads and
    one the organ obtains by data sharing (never asked for, Decree 716 Art. 7)."""
    from tests.factories import MaterialRequirementFactory

    item = LicenceItemFactory(
        code="portal-food", name="食品经营许可 Food business licence", agency=agency, form_schema=PORTAL_FORM_SCHEMA,
        promised_days=10,
    )
    MaterialRequirementFactory(item=item, order=1, name="Floor plan of the premises", accepted_types="pdf,png,jpg",
                               max_size_mb=1)
    MaterialRequirementFactory(item=item, order=2, name="Food safety rules", accepted_types="pdf", max_size_mb=2)
    MaterialRequirementFactory(item=item, order=3, name="Business licence", shared_data_source="市场主体登记系统")
    return item


@pytest.fixture
def portal_applicant(db):
    from tests.factories import ApplicantFactory

    return ApplicantFactory(username="wang@example.org", email="wang@example.org")


@pytest.fixture
def other_applicant(db):
    from tests.factories import ApplicantFactory

    return ApplicantFactory(username="zhao@example.org", email="zhao@example.org")
