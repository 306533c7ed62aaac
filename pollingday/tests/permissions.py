"""Polling day's rows of the permission matrix, one module per part of the day."""

from pollingday.tests import (
    permissions_imports,
    permissions_knockup,
    permissions_setup,
    permissions_telling,
)

EXPECTATIONS = {
    **permissions_setup.EXPECTATIONS,
    **permissions_telling.EXPECTATIONS,
    **permissions_imports.EXPECTATIONS,
    **permissions_knockup.EXPECTATIONS,
}
