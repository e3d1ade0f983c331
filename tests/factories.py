"""Test data (style.md 21): one factory per domain model, with traits for common states.

Users get their roles through ``roles=[Role.CLERK, …]`` (Django groups named after the role);
persona users built from these live in ``tests/conftest.py``."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from licensing.audit import audit_record
from licensing.choices import ApplicationStatus, Role
from licensing.models import ActionLogEntry, Agency, Application, AuditAction, LicenceItem, User

TEST_PASSWORD = "correct horse battery staple"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"测试市场监督管理局{n}")
    name_en = factory.Sequence(lambda n: f"Test Market Regulation Bureau {n}")


class UserFactory(DjangoModelFactory):
    """A user; ``UserFactory(roles=[Role.EXAMINER], agency=agency)`` for staff."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)
    agency = None

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        self.groups.add(*(Group.objects.get_or_create(name=str(role))[0] for role in extracted))
        self.__dict__.pop("_roles", None)  # User.roles() caches per instance


class StaffFactory(UserFactory):
    """An official of an agency (a new one unless given): ``StaffFactory(roles=[Role.CLERK])``."""

    agency = factory.SubFactory(AgencyFactory)
    staff_number = factory.Sequence(lambda n: f"S{n:05d}")


class LicenceItemFactory(DjangoModelFactory):
    class Meta:
        model = LicenceItem
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"item-{n}")
    name = factory.Sequence(lambda n: f"测试许可事项{n}")
    agency = factory.SubFactory(AgencyFactory)
    legal_basis = "《中华人民共和国行政许可法》"
    legal_articles = "第12条"
    conditions = "符合法定条件。"
    published = True


class ApplicationFactory(DjangoModelFactory):
    """An application received online, waiting for the acceptance check (Art. 32)."""

    class Meta:
        model = Application

    number = factory.Sequence(lambda n: f"XK-2026-{n + 1:06d}")
    item = factory.SubFactory(LicenceItemFactory)
    agency = factory.LazyAttribute(lambda a: a.item.agency)
    applicant = factory.SubFactory(UserFactory, roles=[Role.APPLICANT])
    status = ApplicationStatus.RECEIVED
    received_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(status=ApplicationStatus.DRAFT, received_at=None)


class ActionLogEntryFactory(factory.Factory):
    """An action-log entry written the only way entries are written: by ``audit_record``, in a
    transaction (principle 5). ``ActionLogEntryFactory(actor=clerk, application=app)``."""

    class Meta:
        model = ActionLogEntry

    actor = None
    action = AuditAction.ACCEPT
    legal_basis = "Art. 32(1)(5)"
    reason = ""
    application = None
    changes = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        with transaction.atomic():
            return audit_record(**kwargs)


# -- the applicant portal (issue 6) ---------------------------------------------------------------

from licensing.choices import ApplicantKind  # noqa: E402
from licensing.models import ApplicantProfile, MaterialRequirement  # noqa: E402
from licensing.rules.identifiers import id_number_check_char  # noqa: E402

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
"""The smallest file our upload check takes for a PDF (it reads the magic bytes ``%PDF-``)."""
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32
VALID_ID_NUMBER = "11010519491231002" + id_number_check_char("11010519491231002")
VALID_CREDIT_CODE = "91350100M000100Y43"


class ApplicantFactory(UserFactory):
    """A confirmed applicant account with a complete profile as a person:
    ``ApplicantFactory(profile__kind="organisation")`` for a company clerk."""

    profile = factory.RelatedFactory("tests.factories.ApplicantProfileFactory", factory_related_name="user")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            roles = extracted if extracted is not None else [Role.APPLICANT]
            self.groups.add(*(Group.objects.get_or_create(name=str(role))[0] for role in roles))
            self.__dict__.pop("_roles", None)


class ApplicantProfileFactory(DjangoModelFactory):
    class Meta:
        model = ApplicantProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory, roles=[Role.APPLICANT])
    kind = ApplicantKind.PERSON
    full_name = "张三"
    id_number = VALID_ID_NUMBER
    organisation_name = "示例餐饮有限公司"
    credit_code = VALID_CREDIT_CODE
    contact_person = "李四"
    phone = "13800000000"
    email_verified_at = factory.LazyFunction(timezone.now)


class MaterialRequirementFactory(DjangoModelFactory):
    class Meta:
        model = MaterialRequirement

    item = factory.SubFactory(LicenceItemFactory)
    order = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"材料{n} Material {n}")
    accepted_types = "pdf,jpg,png"
    max_size_mb = 10
