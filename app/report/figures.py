"""SLAs, durability and timings from ``app/slas.yaml``, each with its source, the date it was checked and its basis.

Example::

    >>> SLAS["storage_read"].percent, SLAS["storage_read"].label
    (99.9, 'microsoft')
    >>> DURABILITY_NINES["GRS"], timing("registry.replication_minutes").label
    (16, 'seed')

The file is read on first use (importing the report stays light). :func:`source_rows` turns
the figures a report used into its JSON ``sources`` list, one row per figure:
``{"id", "kind", "value", "unit", "source", "checked", "basis", "note"}`` where ``kind`` is
``price``, ``assumption``, ``sla``, ``durability`` or ``timing`` and ``basis`` says how far
the figure can be trusted: ``microsoft``, ``unverified`` or ``seed`` (see the head of
``app/slas.yaml``); for prices ``price`` (read on a Microsoft page or feed), ``price (third-party copy)``
(read only in someone else's copy of Microsoft's retail feed), ``estimate``,
``assumption`` (a usage assumption) or ``override`` (``report.price_overrides``); ``config`` for
an SLA the config sets.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

SLAS_FILE = Path(__file__).resolve().parents[1] / "slas.yaml"
BASES = ("microsoft", "unverified", "seed")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True, slots=True)
class Sla:
    service: str
    percent: float
    source: str
    basis: str  # what the source says, in words (the report's "how it was checked" column)
    checked: str
    label: str  # microsoft | unverified | seed


@dataclass(frozen=True, slots=True)
class Figure:
    """A timing or durability figure with its source."""

    key: str
    value: float
    unit: str
    source: str
    checked: str
    label: str
    note: str
    seed: str = ""


@functools.cache
def load_figures(path: Path = SLAS_FILE) -> dict[str, Any]:
    """``app/slas.yaml``, checked: every figure has a numeric value, an https source, a checked date and a basis."""
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = doc.get("durability_defaults", {})
    rows = [("slas", k, e) for k, e in doc["slas"].items()] + [("timings", k, e) for k, e in doc["timings"].items()]
    rows += [("durability", k, {**defaults, **e}) for k, e in doc["durability"].items()]
    for section, key, e in rows:
        problems = [f for f in ("value", "source", "checked", "basis") if f not in e]
        if problems or not isinstance(e["value"], (int, float)) or not str(e["source"]).startswith("https://") \
                or not _DATE.match(str(e["checked"])) or e["basis"] not in BASES or (e["basis"] == "seed") != ("seed" in e):
            raise ValueError(f"{path}: {section}.{key} needs a numeric value, an https source, a checked date "
                             f"(YYYY-MM-DD) and a basis of {BASES} (seed figures quote the seed in `seed`): {e!r}")
    return doc


class _Lazy(Mapping):
    """A read-only mapping built from ``app/slas.yaml`` on first use."""

    def __init__(self, build: Callable[[dict[str, Any]], dict[str, Any]]):
        self._build = build

    @functools.cached_property
    def _data(self) -> dict[str, Any]:
        return self._build(load_figures())

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


SLAS: Mapping[str, Sla] = _Lazy(lambda doc: {
    k: Sla(e["service"], float(e["value"]), e["source"], e["note"], e["checked"], e["basis"])
    for k, e in doc["slas"].items()})
DURABILITY_NINES: Mapping[str, int] = _Lazy(lambda doc: {k: int(e["value"]) for k, e in doc["durability"].items()})


def timing(key: str) -> Figure:
    e = load_figures()["timings"][key]
    return Figure(key, e["value"], e["unit"], e["source"], e["checked"], e["basis"], e.get("note", ""), e.get("seed", ""))


def durability(redundancy: str) -> Figure:
    doc = load_figures()
    e = {**doc["durability_defaults"], **doc["durability"][redundancy]}
    return Figure(redundancy, e["value"], e["unit"], e["source"], e["checked"], e["basis"], e.get("note", ""))


def checked() -> str:
    """The oldest date any SLA was checked: what "checked on" means for the table as a whole."""
    return min(s.checked for s in SLAS.values())


def _price_basis(p: dict[str, Any]) -> str:
    if p["overridden"]:
        return "override"
    if p["key"].startswith("assume."):
        return "assumption"
    if p["estimate"]:
        return "estimate"
    # a published price read on Microsoft's own page or feed, or only in someone else's copy of that feed
    # (Microsoft's pricing pages render prices client-side): an approver should see which
    host = urlparse(str(p.get("source", ""))).hostname or ""
    return "price" if host == "microsoft.com" or host.endswith((".microsoft.com", ".azure.com")) else "price (third-party copy)"


def source_rows(price_rows: list[dict[str, Any]], components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's ``sources``: every price it used, the SLAs of its availability chain, all durability and timings.

    ``price_rows`` is the price book's table, ``components`` the availability components (an SLA the config
    sets, such as the ingress's, has the config key as its source and basis ``config``). Durability rows are all
    listed because the redundancy comparison shows every redundancy; the timings are quoted by the RPO/RTO
    section of every config.
    """
    rows = [{"id": f"price:{p['key']}", "kind": "assumption" if p["key"].startswith("assume.") else "price",
             "value": p["value"], "unit": p["unit"], "source": p["source"], "checked": p["checked"],
             "basis": _price_basis(p), "note": p["note"]} for p in price_rows]
    for c in components:
        k = c["key"]
        if k in SLAS:
            s = SLAS[k]
            rows.append({"id": f"sla:{k}", "kind": "sla", "value": s.percent, "unit": "percent a month", "source": s.source,
                         "checked": s.checked, "basis": s.label, "note": s.basis})
        else:
            rows.append({"id": f"sla:{k}", "kind": "sla", "value": c["percent"], "unit": "percent a month",
                         "source": c["source"], "checked": None, "basis": "config", "note": c["basis"]})
    for red in DURABILITY_NINES:
        f = durability(red)
        rows.append({"id": f"durability:{red}", "kind": "durability", "value": f.value, "unit": f.unit, "source": f.source,
                     "checked": f.checked, "basis": f.label, "note": f.note})
    for key in load_figures()["timings"]:
        f = timing(key)
        rows.append({"id": f"timing:{key}", "kind": "timing", "value": f.value, "unit": f.unit, "source": f.source,
                     "checked": f.checked, "basis": f.label, "note": (f"{f.seed}. " if f.seed else "") + f.note})
    return rows
