"""Live tests run only on an explicit opt-in: `ONEROUTER_LIVE=1`.

A key exported in the shell (`ONEROUTER_API_KEY`, as every user of the
package has) is not an opt-in: without `ONEROUTER_LIVE=1` our suite never
touches the network. With it, `ONEROUTER_LIVE_API_KEY` wins over
`ONEROUTER_API_KEY`. The key is read at import time, because tests/conftest.py
replaces ONEROUTER_API_KEY with a fake one inside every test.
"""

from __future__ import annotations

import os

OPT_IN = "ONEROUTER_LIVE"
SKIP_REASON = (
    f"live tests run only with {OPT_IN}=1 and a key in ONEROUTER_LIVE_API_KEY "
    "or ONEROUTER_API_KEY"
)


def live_key(environ: os._Environ[str] | dict[str, str] = os.environ) -> str | None:
    """The key live tests use, or None when they are not opted into."""
    if environ.get(OPT_IN) != "1":
        return None
    return environ.get("ONEROUTER_LIVE_API_KEY") or environ.get("ONEROUTER_API_KEY")


LIVE_KEY = live_key()
