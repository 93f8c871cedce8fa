"""The price book: ``app/prices.yaml`` with ``report.price_overrides`` applied; it remembers the keys it was asked for.

Example::

    >>> book = PriceBook(load_prices(), {"storage.hot.grs.gb_month": 0.05})
    >>> book("storage.hot.grs.gb_month"), book.estimate("storage.hot.grs.gb_month")
    (0.05, False)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
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


def key_month_key(key_type: str, key_size: int | None) -> str | None:
    """Price key of a Key Vault key's monthly charge: HSM RSA 2048 and "advanced" HSM keys differ; software keys are free.

    >>> key_month_key("RSA-HSM", 3072), key_month_key("RSA-HSM", 2048), key_month_key("RSA", 3072)
    ('key_vault.hsm_advanced_key_month', 'key_vault.hsm_key_month', None)
    """
    if not key_type.endswith("-HSM"):
        return None
    return "key_vault.hsm_key_month" if key_type == "RSA-HSM" and key_size == 2048 else "key_vault.hsm_advanced_key_month"


def key_charges(book: PriceBook, keys: Iterable[tuple[str, int | None]]) -> tuple[float, str, tuple[str, ...]]:
    """Monthly charge of Key Vault keys given as (key_type, key_size): the amount, its formula and the price keys.

    >>> key_charges(PriceBook(load_prices(), {}), [("RSA-HSM", 3072), ("RSA-HSM", 3072), ("RSA-HSM", 2048)])
    (11.0, '2 RSA-HSM 3072 keys x $5/month + 1 RSA-HSM 2048 key x $1/month', ('key_vault.hsm_advanced_key_month', 'key_vault.hsm_key_month'))
    """
    amount, parts, used = 0.0, [], []
    for (key_type, size), n in Counter(keys).items():
        price_key = key_month_key(key_type, size)
        if price_key is None:
            continue
        amount += n * book(price_key)
        parts.append(f"{n} {key_type} {size} key{'s' * (n != 1)} x ${book(price_key):.4g}/month")
        used.append(price_key)
    return amount, " + ".join(parts), tuple(dict.fromkeys(used))


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

