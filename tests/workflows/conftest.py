"""Fixtures of the workflow tests live in ``tests.workflows.helpers`` (shared with the API and
end-to-end tests)."""

from tests.workflows.helpers import (  # noqa: F401
    examiner2,
    other_examiner,
    other_head,
    requirements,
    submitted,
)
