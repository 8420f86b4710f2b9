"""The published versions a test makes are removed after it, and the app is back on the seed."""

from tests.api.policy.conftest import seeded  # noqa: F401
