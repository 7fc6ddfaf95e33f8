"""The fuzz tests' hypothesis settings: the suite's profile (a few hundred examples,
both tests together within two minutes on 2 cores) or ``HYPOTHESIS_PROFILE=long`` for
an occasional deep run. Failures found are kept in ``.hypothesis-examples/`` (in git),
so every later run replays them first."""
from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

EXAMPLES = Path(__file__).with_name(".hypothesis-examples")
_COMMON = dict(deadline=None, database=DirectoryBasedExampleDatabase(str(EXAMPLES)),
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])
settings.register_profile("suite", max_examples=300, **_COMMON)
settings.register_profile("long", max_examples=5000, **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "suite")
FUZZ = settings.get_profile(PROFILE)
