"""`nearest`: the one "did you mean" of the package. Stdlib only, so every
layer (settings, mapping, the models) can name the closest valid name."""

from __future__ import annotations

import difflib
from collections.abc import Collection


def nearest(name: str, valid: Collection[str]) -> str:
    """` (did you mean 'x'?)` for the closest name in `valid`, else `""`.

    A name differing only in case counts as close.

    >>> nearest("temprature", ["temperature", "top_p"])
    " (did you mean 'temperature'?)"
    >>> nearest("TTFT", ["ttft"]), nearest("zzz", ["top_p"])
    (" (did you mean 'ttft'?)", '')
    """
    close = difflib.get_close_matches(str(name), sorted(valid), n=1, cutoff=0.6)
    if not close:
        lowered = {str(v).lower(): v for v in valid}
        close = [lowered[str(name).lower()]] if str(name).lower() in lowered else []
    return f" (did you mean {close[0]!r}?)" if close else ""
