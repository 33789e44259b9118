"""The 2012 criteria of the national urban-development work, per area.

In 2012 the areas for Sweden's urban-development work were chosen by three
indicators (percent of the area's residents): employment rate
(förvärvsfrekvens) below 52, long-term income support (långvarigt
försörjningsstöd) above 4.8, and upper-secondary eligibility
(gymnasiebehörighet) below 70. Each indicator column that is given yields a
true/false flag; an absent column leaves its flag empty, and
``criteria_met`` counts the flags that are true.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stadsrum.errors import InputError

__all__ = ["CRITERIA", "Criteria", "criteria_flags", "parse_criteria"]

#: name → (flag column, direction, default threshold in percent)
CRITERIA: dict[str, tuple[str, str, float]] = {
    "employment": ("crit_employment", "below", 52.0),
    "income_support": ("crit_income_support", "above", 4.8),
    "eligibility": ("crit_eligibility", "below", 70.0),
}


@dataclass(frozen=True)
class Criteria:
    """Indicator columns of the areas layer and the thresholds (percent)."""

    columns: Mapping[str, str]
    thresholds: Mapping[str, float]


def parse_criteria(
    text: str | Mapping[str, str] | None, thresholds: Mapping[str, float] | None = None
) -> Criteria | None:
    """``"employment=COL,income_support=COL,eligibility=COL"`` (or a dict) checked.

    A threshold may follow the column after a colon: ``employment=ff:50``.
    """
    if text is None:
        return None
    limits = {k: v[2] for k, v in CRITERIA.items()}
    limits.update(dict(thresholds or {}))
    columns: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []
    if isinstance(text, Mapping):
        pairs = [(str(k), str(v)) for k, v in text.items()]
    else:
        for part in str(text).split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise InputError(
                    f"criteria: '{part.strip()}' is not name=COLUMN; use e.g. "
                    "employment=ff,income_support=fs,eligibility=gb"
                )
            key, col = part.split("=", 1)
            pairs.append((key.strip(), col.strip()))
    for key, col in pairs:
        if key not in CRITERIA:
            raise InputError(
                f"criteria: unknown indicator '{key}': choose from {', '.join(CRITERIA)}"
            )
        if ":" in col:
            col, limit = col.rsplit(":", 1)
            try:
                limits[key] = float(limit)
            except ValueError as exc:
                raise InputError(f"criteria: threshold '{limit}' of {key} is not a number") from exc
        if not col:
            raise InputError(f"criteria: no column named for {key}")
        columns[key] = col
    for key in limits:
        if key not in CRITERIA:
            raise InputError(
                f"criteria: unknown indicator '{key}': choose from {', '.join(CRITERIA)}"
            )
    return Criteria(columns=columns, thresholds=limits)


def criteria_flags(areas: pd.DataFrame, criteria: Criteria | None) -> pd.DataFrame:
    """Columns ``crit_*`` (nullable booleans) and ``criteria_met`` on ``areas``' index.

    A missing indicator value gives an empty flag for that area (not false).
    """
    out = pd.DataFrame(index=areas.index)
    met = np.zeros(len(areas), dtype=np.int64)
    for key, (flag, direction, _) in CRITERIA.items():
        col = criteria.columns.get(key) if criteria else None
        if col is None:
            out[flag] = pd.array([pd.NA] * len(areas), dtype="boolean")
            continue
        if col not in areas.columns:
            cols = ", ".join(str(c) for c in areas.columns if c != "geometry")
            raise InputError(f"areas: no column '{col}' for the {key} criterion (columns: {cols})")
        values = pd.to_numeric(areas[col], errors="coerce")
        bad = values.isna() & areas[col].notna()
        if bad.any():
            rows = ", ".join(map(str, np.where(bad.to_numpy())[0][:10]))
            raise InputError(f"areas: column '{col}' ({key}) has non-numeric values (rows {rows})")
        limit = criteria.thresholds[key] if criteria else CRITERIA[key][2]
        hit = values < limit if direction == "below" else values > limit
        flag_values = pd.array(hit.to_numpy(), dtype="boolean")
        flag_values[values.isna().to_numpy()] = pd.NA
        out[flag] = flag_values
        met += np.asarray(flag_values.fillna(False), dtype=np.int64)
    out["criteria_met"] = met
    return out
