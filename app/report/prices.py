"""The price book: ``app/prices.yaml`` with ``report.price_overrides`` applied; it remembers the keys it was asked for.

Example::

    >>> book = PriceBook(load_prices(), {"storage.hot.grs.gb_month": 0.05})
    >>> book("storage.hot.grs.gb_month"), book.estimate("storage.hot.grs.gb_month")
    (0.05, False)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from app.config import PlatformConfig

PRICES_FILE = Path(__file__).resolve().parents[1] / "prices.yaml"

class PriceBook:
    """Prices from app/prices.yaml with the config's overrides applied; remembers which keys were used."""

    def __init__(self, doc: dict[str, Any], overrides: dict[str, float]):
        self.meta = {k: doc[k] for k in ("currency", "region", "checked")}
        self.entries: dict[str, dict[str, Any]] = doc["prices"]
        self.overrides = dict(overrides)
        self.used: set[str] = set()

    def has(self, key: str) -> bool:
        return key in self.overrides or key in self.entries

    def __call__(self, key: str) -> float:
        self.used.add(key)
        if key in self.overrides:
            return float(self.overrides[key])
        return float(self.entries[key]["value"])

    def estimate(self, key: str) -> bool:
        return key not in self.overrides and bool(self.entries.get(key, {}).get("estimate", True))

    def table(self) -> list[dict[str, Any]]:
        rows = []
        for key in sorted(self.used):
            e = self.entries.get(key, {})
            rows.append({"key": key, "value": self(key), "unit": e.get("unit", "USD per node-hour"),
                         "source": "report.price_overrides" if key in self.overrides else e.get("source", ""),
                         "checked": e.get("checked", ""), "estimate": self.estimate(key),
                         "overridden": key in self.overrides, "note": e.get("note", "")})
        return rows


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, entry in doc["prices"].items():
        if not re.fullmatch(r"[a-z0-9_.]+", key) or not isinstance(entry.get("value"), (int, float)):
            raise ValueError(f"{path}: bad price entry {key!r}")
    return doc


def check_overrides(cfg: PlatformConfig, doc: dict[str, Any]) -> None:
    """Every key in report.price_overrides must name a price of ``doc``: the config's own check, on this price list."""
    from app.config import price_override_problems

    problems = price_override_problems(cfg.raw, set(doc["prices"]))
    if problems:
        raise ConfigError(cfg.source, problems)

