"""The CLI's tests run it as an operator would, on a data directory of their own."""

from tests.factories.cli import env  # noqa: F401  (the fixture)
