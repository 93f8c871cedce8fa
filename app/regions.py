"""Azure region catalog: short codes, paired regions and availability zones.

Example::

    >>> from app.regions import REGIONS, region
    >>> region("eastus").pair
    'westus'
    >>> region("westus").zones
    False

Data, not logic. Sources: Microsoft's "Azure region pairs and nonpaired regions"
and "Azure regions with availability zone support" pages (checked 2025). Pairs
are what geo-redundant storage (GRS/GZRS) replicates to; a region without a pair
cannot hold GRS data. Zones decide whether zone-redundant registries, replicas
and storage (ZRS/GZRS) are possible. Short codes follow the Cloud Adoption
Framework's common abbreviations and feed :mod:`app.naming`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Region:
    """One Azure region as the platform needs to know it."""

    name: str
    code: str
    pair: str | None
    zones: bool
    geography: str

    @property
    def display_name(self) -> str:
        """Azure's display name ("East US 2"), as Service Health alerts and the portal spell it."""
        return _display(self.name)


_WORDS = (
    "southeast", "central", "north", "south", "east", "west", "europe", "asia", "africa", "us", "uk", "uae",
    "canada", "brazil", "mexico", "france", "germany", "switzerland", "norway", "sweden", "poland", "italy",
    "spain", "japan", "korea", "australia", "india", "qatar", "israel",
)
_UPPER = {"us", "uk", "uae"}


def _display(name: str) -> str:
    out, rest = [], name
    while rest:
        if rest[0].isdigit():
            out.append(rest)
            break
        word = next((w for w in _WORDS if rest.startswith(w)), None)
        if word is None:
            raise ValueError(f"no display name for region {name!r}")
        out.append(word.upper() if word in _UPPER else word.capitalize())
        rest = rest[len(word):]
    return " ".join(out)


def _r(name: str, code: str, pair: str | None, zones: bool, geography: str) -> Region:
    return Region(name=name, code=code, pair=pair, zones=zones, geography=geography)


_CATALOG: tuple[Region, ...] = (
    # United States
    _r("eastus", "eus", "westus", True, "United States"),
    _r("eastus2", "eus2", "centralus", True, "United States"),
    _r("centralus", "cus", "eastus2", True, "United States"),
    _r("northcentralus", "ncus", "southcentralus", False, "United States"),
    _r("southcentralus", "scus", "northcentralus", True, "United States"),
    _r("westcentralus", "wcus", "westus2", False, "United States"),
    _r("westus", "wus", "eastus", False, "United States"),
    _r("westus2", "wus2", "westcentralus", True, "United States"),
    _r("westus3", "wus3", "eastus", True, "United States"),
    # Americas
    _r("canadacentral", "cac", "canadaeast", True, "Canada"),
    _r("canadaeast", "cae", "canadacentral", False, "Canada"),
    _r("brazilsouth", "brs", "southcentralus", True, "Brazil"),
    _r("mexicocentral", "mxc", None, True, "Mexico"),
    # Europe
    _r("northeurope", "neu", "westeurope", True, "Europe"),
    _r("westeurope", "weu", "northeurope", True, "Europe"),
    _r("uksouth", "uks", "ukwest", True, "United Kingdom"),
    _r("ukwest", "ukw", "uksouth", False, "United Kingdom"),
    _r("francecentral", "frc", "francesouth", True, "France"),
    _r("francesouth", "frs", "francecentral", False, "France"),
    _r("germanywestcentral", "gwc", "germanynorth", True, "Germany"),
    _r("germanynorth", "gn", "germanywestcentral", False, "Germany"),
    _r("switzerlandnorth", "szn", "switzerlandwest", True, "Switzerland"),
    _r("switzerlandwest", "szw", "switzerlandnorth", False, "Switzerland"),
    _r("norwayeast", "nwe", "norwaywest", True, "Norway"),
    _r("norwaywest", "nww", "norwayeast", False, "Norway"),
    _r("swedencentral", "sdc", "swedensouth", True, "Sweden"),
    _r("swedensouth", "sds", "swedencentral", False, "Sweden"),
    _r("polandcentral", "plc", None, True, "Poland"),
    _r("italynorth", "itn", None, True, "Italy"),
    _r("spaincentral", "spc", None, True, "Spain"),
    # Asia Pacific
    _r("eastasia", "ea", "southeastasia", True, "Asia Pacific"),
    _r("southeastasia", "sea", "eastasia", True, "Asia Pacific"),
    _r("japaneast", "jpe", "japanwest", True, "Japan"),
    _r("japanwest", "jpw", "japaneast", True, "Japan"),
    _r("koreacentral", "krc", "koreasouth", True, "Korea"),
    _r("koreasouth", "krs", "koreacentral", False, "Korea"),
    _r("australiaeast", "ae", "australiasoutheast", True, "Australia"),
    _r("australiasoutheast", "ase", "australiaeast", False, "Australia"),
    _r("australiacentral", "acl", "australiacentral2", False, "Australia"),
    _r("australiacentral2", "acl2", "australiacentral", False, "Australia"),
    _r("centralindia", "inc", "southindia", True, "India"),
    _r("southindia", "ins", "centralindia", False, "India"),
    _r("westindia", "inw", "southindia", False, "India"),
    # Middle East and Africa
    _r("uaenorth", "uaen", "uaecentral", True, "UAE"),
    _r("uaecentral", "uaec", "uaenorth", False, "UAE"),
    _r("qatarcentral", "qac", None, True, "Qatar"),
    _r("israelcentral", "ilc", None, True, "Israel"),
    _r("southafricanorth", "san", "southafricawest", True, "South Africa"),
    _r("southafricawest", "saw", "southafricanorth", False, "South Africa"),
)

REGIONS: dict[str, Region] = {r.name: r for r in _CATALOG}


def region(name: str) -> Region:
    """Return the catalog entry for ``name``; ``KeyError`` if unknown."""
    return REGIONS[name]


def suggest(name: str) -> list[str]:
    """Close matches for a mistyped region name, for error messages."""
    import difflib

    return difflib.get_close_matches(name.lower().replace(" ", ""), REGIONS, n=3, cutoff=0.6)
