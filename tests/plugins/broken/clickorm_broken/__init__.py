"""A dialect plugin whose driver is missing: importing it fails."""

import clickorm_broken_missing_driver  # noqa: F401  (does not exist, on purpose)
