"""Units, spellings and config predicates every part of the report shares.

Example::

    >>> from app.report.common import money, spelled
    >>> money(1234.5), spelled("RAGZRS")
    ('$1,234.50', 'RA-GZRS')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.report.figures import DURABILITY_NINES  # noqa: F401  (sourced in app/slas.yaml; re-exported here)

if TYPE_CHECKING:  # pragma: no cover - typing only; importing the model loads pydantic
    from app.config import PlatformConfig

HOURS_PER_MONTH = 730  # Azure's billing month
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
MINUTES_PER_MONTH = HOURS_PER_MONTH * 60
GB_PER_UNIT = {"decimal": 1000, "binary": 1024}  # report.storage_unit: TB -> GB, or TiB -> GiB

REDUNDANCIES = ("LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS")
SPELLED = {"RAGRS": "RA-GRS", "RAGZRS": "RA-GZRS"}
ACR_INCLUDED_GB = {"Basic": 10, "Standard": 100, "Premium": 500}


def spelled(redundancy: str) -> str:
    """``RAGRS`` -> ``RA-GRS``: how Microsoft's pages write it."""
    return SPELLED.get(redundancy, redundancy)


def vm_key(vm_size: str) -> str:
    """Price key of a VM size: ``Standard_D4s_v3`` -> ``vm.standard_d4s_v3``."""
    return "vm." + vm_size.lower()


def registry_cmk(cfg: PlatformConfig) -> bool:
    return cfg.encryption.customer_managed_keys and cfg.encryption.registry_customer_managed_key


def hub_cmk(cfg: PlatformConfig) -> bool:
    """Each hub's metadata under a key in its region's vault (``encryption.hub_customer_managed_key``)."""
    return cfg.encryption.customer_managed_keys and cfg.encryption.hub_key


def hub_storage_redundancy(loc: str) -> str:
    """A hub's default storage, as the config model decides it (and stacks/region.py builds it)."""
    from app.config import PlatformConfig

    return PlatformConfig.hub_storage_replication(loc)



def training_data_gb(cfg: PlatformConfig) -> float:
    """The training data in the unit prices are per: ``size_tb`` x 1,000 GB (decimal, the default) or x 1,024 (binary).

    Microsoft's Blob price list says "GB" without defining it; ``report.storage_unit: binary`` reads ``size_tb`` as
    TiB and prices GiB (docs/report-sources.md, "Storage units").
    """
    return cfg.training_data.size_tb * GB_PER_UNIT[cfg.report.storage_unit]


def training_data_size(cfg: PlatformConfig) -> str:
    """``50 TB = 50,000 GB (decimal)``: the size, the unit and the conversion, as every formula states it."""
    unit = cfg.report.storage_unit
    tb, gb = ("TB", "GB") if unit == "decimal" else ("TiB", "GiB")
    return f"{cfg.training_data.size_tb:g} {tb} = {training_data_gb(cfg):,.0f} {gb} ({unit}, 1 {tb} = {GB_PER_UNIT[unit]:,} {gb})"


def money(x: float) -> str:
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def unit_price(x: float) -> str:
    """A unit price with its significant digits: $0.0368, $1.667, $0.192."""
    return f"${x:.4g}"



def rounded(x: float, digits: int = 6) -> float:
    return round(x, digits)

