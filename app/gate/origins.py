"""Where credentials may go: origins compared as scheme + host + port, and which transports are safe.

Example::

    >>> origin_key("https://Registry.example.com")
    'https://registry.example.com:443'
    >>> origin_key("http://127.0.0.1:5000") == origin_key("http://127.0.0.1:5001")
    False
    >>> secure_transport("http://127.0.0.1:5000"), secure_transport("http://registry.example.com")
    (True, False)

Credentials go only to the origins of :attr:`app.gate.model.GatePlan.trusted_origins`
(the hosts named on the command line or derived from ``--registry``), and only
over https:// or plain http:// to loopback (:func:`secure_transport`).
"""

from __future__ import annotations

import ipaddress
import urllib.parse

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_key(url: str) -> str:
    """``scheme://host:port`` with the port made explicit: two URLs are one host only if these match."""
    parts = urllib.parse.urlsplit(url)
    scheme = (parts.scheme or "").lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = -1
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def is_loopback(url: str) -> bool:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secure_transport(url: str) -> bool:
    """https://, or plain http:// to this machine (loopback)."""
    return urllib.parse.urlsplit(url).scheme.lower() == "https" or is_loopback(url)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
