"""From the command line to a validated :class:`~app.gate.model.GatePlan` plus its credentials.

Example::

    >>> parse_image("fraud/scorer:1.4.2")
    ImageRef(repository='fraud/scorer', reference='1.4.2')
    >>> parse_replica("westus=https://myacr.westus.geo.azurecr.io")
    Endpoint(name='westus', url='https://myacr.westus.geo.azurecr.io')

    plan, tokens, basic = build_plan(args)   # args parsed by app.gate.add_arguments' options

Anything unusable raises :class:`~app.gate.model.GateUsageError` (exit 2) with
a message that names what is allowed and never echoes a credential.
``--registry`` derives the ACR endpoints (:func:`acr_endpoints`) and takes
Azure AD credentials (:func:`_default_azure_credential`); ``--source`` /
``--replica`` take basic credentials from ``GATE_USERNAME`` /
``GATE_PASSWORD`` (:func:`basic_credentials`). Tests that fake Azure patch
``app.gate.plan.acr_endpoints`` and ``app.gate.plan._default_azure_credential``.
"""

from __future__ import annotations

import argparse
import os
import re
import urllib.parse
from typing import Any, Optional

from app.gate.auth import AcrAadTokenProvider, DistributionTokenProvider, TokenProvider
from app.gate.model import (
    _DIGEST_RE,
    PASSWORD_ENV,
    USERNAME_ENV,
    Endpoint,
    GatePlan,
    GateUsageError,
    ImageRef,
)
from app.gate.text import _first_line, display_url, register_secret, untrusted

DEFAULT_CONFIG = "config/default.yaml"
REGISTRY_FROM_CONFIG = "@config"
DEFAULT_TIMEOUT = 1800.0
DEFAULT_INTERVAL = 15.0
MIN_INTERVAL = 1.0

_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY_RE = re.compile(rf"^{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*$")
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPLICA_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_ACR_NAME_RE = re.compile(r"^[a-zA-Z0-9]{5,50}$")
_REGION_RE = re.compile(r"^[a-z][a-z0-9]{1,39}$")

IMAGE_FORMS = "REPOSITORY:TAG or REPOSITORY@sha256:<64 hex digits> (no registry host)"


def parse_image(text: str) -> ImageRef:
    """Parse ``repo:tag`` or ``repo@sha256:digest``; raise GateUsageError otherwise."""
    raw = (text or "").strip()
    if not raw:
        raise GateUsageError(f"--image is empty; expected {IMAGE_FORMS}")
    if "@" in raw:
        repository, _, digest = raw.partition("@")
        if ":" in repository.rsplit("/", 1)[-1]:
            raise GateUsageError(f"--image {raw!r} has both a tag and a digest; give one: {IMAGE_FORMS}")
        if not _DIGEST_RE.match(digest):
            raise GateUsageError(f"--image {raw!r}: digest must be sha256:<64 lowercase hex>; expected {IMAGE_FORMS}")
        reference = digest
    else:
        repository, sep, reference = raw.rpartition(":")
        if not sep or "/" in reference:
            raise GateUsageError(f"--image {raw!r} has no tag or digest; expected {IMAGE_FORMS}")
        if not _TAG_RE.match(reference):
            raise GateUsageError(f"--image {raw!r}: tag {reference!r} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})")
    _check_repository(raw, repository)
    return ImageRef(repository=repository, reference=reference)


def _check_repository(raw: str, repository: str) -> None:
    first = repository.split("/", 1)[0]
    if "/" in repository and ("." in first or ":" in first or first == "localhost"):
        raise GateUsageError(
            f"--image {raw!r} starts with a registry host ({first!r}); give only the repository, "
            f"the host comes from --source / --registry; expected {IMAGE_FORMS}"
        )
    if not _REPOSITORY_RE.match(repository):
        raise GateUsageError(
            f"--image {raw!r}: repository {repository!r} is not valid (lowercase letters, digits, "
            f"'.', '_', '-' separators, '/' between path components); expected {IMAGE_FORMS}"
        )


def parse_url(option: str, text: str) -> str:
    """Validate a registry base URL and return it as ``scheme://host[:port]``.

    Credentials in the URL (``http://user:pw@host``, also ``http://:pw@host``)
    are refused, and the message never echoes them.
    """
    raw = (text or "").strip()
    shown = repr(display_url(raw))
    if not raw.isprintable() or any(ch.isspace() for ch in raw):
        raise GateUsageError(f"{option} {shown} contains whitespace or control characters; "
                             "expected http(s)://HOST[:PORT]")
    try:
        parsed = urllib.parse.urlsplit(raw)
    except ValueError:
        raise GateUsageError(f"{option} {shown} is not a registry URL; expected http(s)://HOST[:PORT]") from None
    if "@" in raw:
        raise GateUsageError(
            f"{option} {shown} carries credentials in the URL; refused so they are never sent or printed: "
            f"give a bare http(s)://HOST[:PORT] and put credentials in {USERNAME_ENV} / {PASSWORD_ENV}"
        )
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise GateUsageError(f"{option} {shown} is not a registry URL; expected http(s)://HOST[:PORT]")
    if parsed.path not in ("", "/") or parsed.query or parsed.fragment:
        raise GateUsageError(
            f"{option} {shown} must be a bare registry URL http(s)://HOST[:PORT] "
            "(no path, query or credentials; the /v2/ API path is added by the gate)"
        )
    try:
        parsed.port
    except ValueError:
        raise GateUsageError(f"{option} {shown} has an invalid port; expected http(s)://HOST[:PORT]") from None
    return f"{parsed.scheme}://{parsed.netloc}"


def parse_replica(text: str) -> Endpoint:
    """Parse ``NAME=URL``."""
    name, sep, url = (text or "").partition("=")
    name = name.strip()
    if not sep or not name:
        raise GateUsageError(f"--replica {display_url(text)!r} must be NAME=URL, "
                             "e.g. westus=https://myacr.westus.geo.azurecr.io")
    if not _REPLICA_NAME_RE.match(name):
        raise GateUsageError(f"--replica: name {untrusted(name, 80)!r} must be letters, digits, '.', '_' or '-' (max 63)")
    return Endpoint(name=name, url=parse_url(f"--replica {name}=", url))


def acr_endpoints(registry: str, regions: tuple[str, ...]) -> tuple[Endpoint, tuple[Endpoint, ...]]:
    """Derive the ACR login server and regional endpoints (replica name = region)."""
    if not _ACR_NAME_RE.match(registry or ""):
        raise GateUsageError(f"--registry {registry!r} is not an ACR name; expected 5-50 letters or digits")
    name = registry.lower()
    if not regions:
        raise GateUsageError("no replica regions: pass --regions REGION[,REGION...] or set secondary regions in --config")
    replicas = []
    for region in regions:
        if not _REGION_RE.match(region):
            raise GateUsageError(f"--regions: {region!r} is not an Azure region name (lowercase letters and digits, e.g. westus)")
        replicas.append(Endpoint(name=region, url=f"https://{name}.{region}.geo.azurecr.io"))
    return Endpoint(name="source", url=f"https://{name}.azurecr.io"), tuple(replicas)


def basic_credentials(environ: Optional[dict[str, str]] = None) -> Optional[tuple[str, str]]:
    """Read GATE_USERNAME / GATE_PASSWORD; both or neither."""
    env = os.environ if environ is None else environ
    user, password = env.get(USERNAME_ENV, ""), env.get(PASSWORD_ENV, "")
    if bool(user) != bool(password):
        missing = PASSWORD_ENV if user else USERNAME_ENV
        raise GateUsageError(f"{USERNAME_ENV} and {PASSWORD_ENV} must be set together; {missing} is empty")
    register_secret(password)
    return (user, password) if user else None


def _config_defaults(config_path: str) -> tuple[str, tuple[str, ...]]:
    try:
        from app.config import load_config
    except ImportError as exc:
        raise GateUsageError(f"cannot read --config {config_path!r}: app.config is unavailable ({exc}); "
                             "pass --regions explicitly") from None
    try:
        config = load_config(config_path)
    except Exception as exc:  # config loaders raise their own user-facing errors
        raise GateUsageError(f"cannot read --config {config_path!r}: {_first_line(exc)}; "
                             "pass --regions explicitly or fix the config") from None
    return str(config.registry_name), tuple(config.secondary_regions)


def _default_azure_credential() -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise GateUsageError("--registry needs the azure-identity package (pip install azure-identity)") from None
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


def _number(option: str, value: float) -> float:
    if not (value > 0) or value == float("inf"):
        raise GateUsageError(f"{option} must be a positive number of seconds, got {value!r}")
    return value


def build_plan(args: argparse.Namespace) -> tuple[GatePlan, TokenProvider, Optional[tuple[str, str]]]:
    """Validate the parsed options into a plan plus its auth."""
    image = parse_image(args.image)
    timeout = _number("--timeout", args.timeout)
    interval = _number("--interval", args.interval)
    if interval < MIN_INTERVAL:
        raise GateUsageError(f"--interval must be at least {MIN_INTERVAL:g} second, got {interval!r}: "
                             "polling registries faster only adds load and throttling (429)")
    replicas_given = list(getattr(args, "replica", None) or [])
    token_servers_given = list(getattr(args, "token_server", None) or [])
    if getattr(args, "registry", None):
        if args.source or replicas_given:
            raise GateUsageError("--registry derives the endpoints; do not combine it with --source/--replica")
        if token_servers_given:
            raise GateUsageError("--token-server does not apply with --registry: ACR's token endpoints are the "
                                 "registry hosts themselves, and Azure AD tokens go nowhere else")
        registry: str = args.registry
        regions: tuple[str, ...] = ()
        if args.regions:
            regions = tuple(r.strip() for r in args.regions.split(",") if r.strip())
            if not regions:
                raise GateUsageError(f"--regions {args.regions!r} names no region; expected REGION[,REGION...]")
        if registry == REGISTRY_FROM_CONFIG or not regions:
            config_registry, config_regions = _config_defaults(getattr(args, "config", None) or DEFAULT_CONFIG)
            registry = config_registry if registry == REGISTRY_FROM_CONFIG else registry
            regions = regions or config_regions
        source, replicas = acr_endpoints(registry, regions)
        tokens: TokenProvider = AcrAadTokenProvider(_default_azure_credential())
        basic = None
        token_servers: tuple[str, ...] = ()
    else:
        if getattr(args, "regions", None):
            raise GateUsageError("--regions only applies with --registry")
        if not args.source:
            raise GateUsageError("give --source URL with one or more --replica NAME=URL, or --registry NAME")
        if not replicas_given:
            raise GateUsageError("give at least one --replica NAME=URL (or use --registry NAME)")
        source = Endpoint(name="source", url=parse_url("--source", args.source))
        replicas = tuple(parse_replica(r) for r in replicas_given)
        token_servers = tuple(parse_url("--token-server", t) for t in token_servers_given)
        basic = basic_credentials()
        tokens = DistributionTokenProvider(basic)
    names = [r.name for r in replicas]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise GateUsageError(f"replica names must be unique; repeated: {', '.join(duplicates)}")
    plan = GatePlan(image=image, source=source, replicas=replicas, timeout=timeout, interval=interval,
                    token_servers=token_servers)
    return plan, tokens, basic
