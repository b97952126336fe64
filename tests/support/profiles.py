"""Hypothesis profiles of the reliability tests (registered, not loaded, so
other test directories keep their own settings).

Tests use `RELIABILITY` as a decorator: modest `max_examples` so CI stays
fast. `HYPOTHESIS_PROFILE=reliability-deep` searches much longer.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("reliability", max_examples=60, **_COMMON)
settings.register_profile("reliability-deep", max_examples=2000, **_COMMON)

_NAME = os.environ.get("HYPOTHESIS_PROFILE", "")
RELIABILITY = settings.get_profile(
    _NAME if _NAME.startswith("reliability") else "reliability"
)
