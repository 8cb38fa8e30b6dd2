"""Download a linked file for the checks without letting the link reach the portal's network.

A resource's URL is written by whoever edits the dataset; fetched blindly, it reads the
portal's own services (``http://127.0.0.1:6379``, the cloud metadata service at
``169.254.169.254``, a database on the private network) and the checks would store what
they found as the table's columns. So the checks never hand a URL to frictionless: this
module downloads it into a local file, and

* only ``http`` and ``https`` are followed;
* the host name is resolved here and every address it resolves to is judged
  (:func:`refusal`): loopback, private (RFC 1918, unique-local v6), link-local (with the
  metadata service), multicast, reserved, unspecified and shared (CGNAT, 100.64/10)
  addresses are refused, also when written as a v4-in-v6 address or in decimal or octal
  (the resolver turns ``2130706433`` and ``0177.0.0.1`` into ``127.0.0.1`` first);
* the connection goes to the address that was judged (the host name is sent as ``Host``
  and as the TLS server name), so a second DNS answer cannot swap it for another address;
* redirects are followed here, one hop at a time, each hop judged like the link itself,
  up to ``max_redirects``;
* the download stops at ``max_bytes`` (ckan.max_resource_size) and after ``timeout``
  seconds without a byte, and, in a web request, after ``deadline`` seconds in all.

A portal whose own file server sits on a private network names it in an
:class:`AllowList`. Metadata services (addresses and host names) are refused even then.
Plain Python, no CKAN: the CKAN side (``validation.runner``) passes the options.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

from .limits import BeyondLimit, CheckRefused, FetchFailed, too_large

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud instance metadata services: refused even when an allow-list names their network.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(address) for address in (
    "169.254.169.254",   # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
    "169.254.170.2",     # AWS ECS task metadata
    "fd00:ec2::254",     # AWS over IPv6
    "100.100.100.200",   # Alibaba Cloud
))
METADATA_HOSTS = frozenset((
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data",
    "instance-data.ec2.internal", "metadata.azure.internal", "metadata.tencentyun.com",
))
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # CGNAT (RFC 6598)
NAT64 = ipaddress.ip_network("64:ff9b::/96")                   # v4 behind a NAT64 gateway
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(network) for network in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",   # RFC 1918
    "fc00::/7", "fec0::/10"))                          # unique-local, old site-local
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024

# Why an address is refused, as the run shows it (msgids; the CKAN side translates them).
REFUSALS = {
    "unspecified": "The link points to {address}, an unspecified address; the checks read "
                   "files only from public addresses.",
    "loopback": "The link points to {address}, a loopback address (this server itself); "
                "the checks read files only from public addresses.",
    "metadata": "The link points to {address}, a cloud metadata service; the checks never "
                "read it.",
    "link-local": "The link points to {address}, a link-local address; the checks read "
                  "files only from public addresses.",
    "multicast": "The link points to {address}, a multicast address; the checks read files "
                 "only from public addresses.",
    "shared": "The link points to {address}, a shared (carrier-grade NAT) address; the "
              "checks read files only from public addresses.",
    "private": "The link points to {address}, a private network address; the checks read "
               "files only from public addresses.",
    "reserved": "The link points to {address}, a reserved address; the checks read files "
                "only from public addresses.",
}


def _embedded_v4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address a v6 address carries (mapped, 6to4, NAT64, v4-compatible)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why the checks may not read from this address (a key of REFUSALS), None if public.

    A v6 address that carries a v4 one is judged by it (``::ffff:127.0.0.1`` is loopback),
    and, unless it merely maps it, also by itself.
    """
    embedded = _embedded_v4(address)
    mapped = isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None
    for candidate in filter(None, (embedded, None if mapped else address)):
        if candidate.is_unspecified:
            return "unspecified"
        if candidate.is_loopback:
            return "loopback"
        if candidate in METADATA_ADDRESSES:
            return "metadata"
        if candidate.is_link_local:
            return "link-local"
        if candidate.is_multicast:
            return "multicast"
        if candidate in SHARED_ADDRESS_SPACE:
            return "shared"
        if any(candidate in network for network in PRIVATE_NETWORKS):
            return "private"
        if candidate.is_reserved or not candidate.is_global:
            return "reserved"
    return None


def _expanded(entries: Iterable[str], environ: Mapping[str, str]) -> Iterator[str]:
    for entry in entries:
        entry = entry.strip()
        if entry.startswith("${") and entry.endswith("}"):
            yield from environ.get(entry[2:-1], "").split()
        else:
            yield entry


def _host_and_port(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]:port`` or a bare v6 address."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port)
    return entry, None


@dataclass(frozen=True)
class AllowList:
    """Hosts the checks may read although their addresses are not public.

    Entries: a host name (``files.pemda.go.id``), an address or network
    (``10.20.0.5``, ``10.20.0.0/16``, ``fd00::/8``), each optionally with a port
    (``files.pemda.go.id:8080``, ``10.20.0.5:8080``, ``[fd00::5]:8080``): with a port,
    only that port of the host is allowed. An entry ``${NAME}`` stands for the entries in
    the environment variable NAME (none when it is unset), for a deployment that learns
    its file server's address from its environment.
    """

    names: frozenset[tuple[str, int | None]] = frozenset()
    networks: tuple[tuple[IPNetwork, int | None], ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str], environ: Mapping[str, str] = os.environ
              ) -> AllowList:
        """Read the option's entries; a malformed one raises ValueError naming it."""
        names, networks = set(), []
        for raw in _expanded(entries, environ):
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                if "/" in entry:
                    networks.append((ipaddress.ip_network(entry, strict=False), None))
                    continue
                host, port = _host_and_port(entry)
                if port is not None and not 0 < port < 65536:
                    raise ValueError(port)
                try:
                    networks.append((ipaddress.ip_network(host), port))
                except ValueError:
                    if not host or any(c in host for c in "/@?#[] "):
                        raise
                    names.add((host.rstrip("."), port))
            except ValueError as error:
                raise ValueError(f"invalid allow-list entry {raw!r}") from error
        return cls(frozenset(names), tuple(networks))

    def allows(self, host: str, port: int, address: IPAddress) -> bool:
        """Whether the URL's host (name as written) on this port may be read at this address."""
        if address in METADATA_ADDRESSES or _embedded_v4(address) in METADATA_ADDRESSES:
            return False
        if (host, None) in self.names or (host, port) in self.names:
            return True
        return any(address in network and allowed in (None, port)
                   for network, allowed in self.networks
                   if network.version == address.version)


@dataclass(frozen=True)
class FetchLimits:
    """How far a download may go (the CKAN side fills it from the options)."""

    max_bytes: int
    timeout: float = 30.0            # seconds to connect, and between two reads
    max_redirects: int = 5
    deadline: float | None = None    # seconds for the whole download (web requests)
    allowed: AllowList = field(default_factory=AllowList)


@dataclass(frozen=True)
class Target:
    """One hop: the URL as written and the addresses it may be read from."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _ascii_host(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError as error:
        raise CheckRefused("The link's host name {host} is not valid.", host=host) from error


def resolve(url: str, allowed: AllowList) -> Target:
    """Judge a URL: scheme, host name, and every address it resolves to.

    Raises CheckRefused with the reason; the Target holds the judged addresses, the only
    ones the download may connect to.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise CheckRefused("Only http and https links can be checked; this one is {scheme}.",
                           scheme=scheme or "?")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise CheckRefused("The link's port is not valid.") from error
    host = _ascii_host((parts.hostname or "").rstrip("."))
    if not host:
        raise CheckRefused("The link has no host name.")
    if host in METADATA_HOSTS:
        raise CheckRefused("The host name {host} is a cloud metadata service; the checks "
                           "never read it.", host=host)
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchFailed("The host {host} of the link is not known.", host=host) from error
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address in addresses:
            continue
        reason = None if allowed.allows(host, port, address) else refusal(address)
        if reason is not None:
            raise CheckRefused(REFUSALS[reason], address=str(address))
        addresses.append(address)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(url, scheme, host, port, path, tuple(addresses))


def _pool(target: Target, address: IPAddress, timeout: float
          ) -> urllib3.HTTPConnectionPool:
    """A connection pool to the judged address itself (no second DNS lookup)."""
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False,
               "maxsize": 1}
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(str(address), target.port, **options)
    literal = target.host == str(address)
    return urllib3.HTTPSConnectionPool(
        str(address), target.port, cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
        server_hostname=None if literal else target.host,
        assert_hostname=None if literal else target.host, **options)


def _request(target: Target, timeout: float) -> urllib3.BaseHTTPResponse:
    """GET from the first judged address that answers."""
    failure: Exception | None = None
    for address in target.addresses:
        try:
            return _pool(target, address, timeout).urlopen(
                "GET", target.path, redirect=False, preload_content=False,
                assert_same_host=False,
                headers={"Host": target.host_header, "Accept-Encoding": "identity",
                         "User-Agent": "ckanext-walidata quality checks"})
        except (NewConnectionError, ConnectTimeoutError) as error:
            failure = error
        except SSLError as error:
            raise CheckRefused("The link's HTTPS certificate is not valid for {host}.",
                               host=target.host) from error
        except ReadTimeoutError as error:
            raise FetchFailed("The link's server sent nothing for {seconds} seconds.",
                              seconds=int(timeout)) from error
        except HTTPError as error:
            raise FetchFailed("The link's server could not be read ({error}).",
                              error=type(error).__name__) from error
    raise FetchFailed("The link's server {host} could not be reached.",
                      host=target.host) from failure


@dataclass(frozen=True)
class Fetched:
    url: str          # after redirects
    bytes: int


def fetch(url: str, destination: BinaryIO, limits: FetchLimits) -> Fetched:
    """Download ``url`` into ``destination`` within ``limits``; raises CheckRefused.

    BeyondLimit (a CheckRefused) means the file is larger than ``max_bytes`` or the
    download took longer than ``deadline``; FetchFailed that the server did not deliver.
    """
    started = time.monotonic()
    for _hop in range(limits.max_redirects + 1):
        target = resolve(url, limits.allowed)
        response = _request(target, limits.timeout)
        try:
            if response.status in REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchFailed("The link redirects without saying where to.")
                url = urljoin(target.url, location.strip())
                continue
            if response.status != 200:
                error = FetchFailed("The link answered HTTP {status}.", status=response.status)
                error.retry = response.status >= 500 or response.status == 429
                raise error
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise too_large(limits.max_bytes)
            size = _copy(response, destination, limits, started)
            return Fetched(target.url, size)
        finally:
            response.release_conn()
            response.close()
    raise CheckRefused("The link redirects more than {count} times.",
                       count=limits.max_redirects)


def _copy(response: urllib3.BaseHTTPResponse, destination: BinaryIO, limits: FetchLimits,
          started: float) -> int:
    size = 0
    try:
        # read1: whatever has arrived, so that a server sending a byte at a time meets
        # the deadline (stream() would wait for a whole chunk).
        while chunk := response.read1(CHUNK, decode_content=True):
            size += len(chunk)
            if size > limits.max_bytes:
                raise too_large(limits.max_bytes)
            if limits.deadline is not None and time.monotonic() - started > limits.deadline:
                raise BeyondLimit("The download took longer than {seconds} seconds.",
                                  seconds=int(limits.deadline))
            destination.write(chunk)
    except ReadTimeoutError as error:
        raise FetchFailed("The link's server sent nothing for {seconds} seconds.",
                          seconds=int(limits.timeout)) from error
    except HTTPError as error:
        raise FetchFailed("The link's server could not be read ({error}).",
                          error=type(error).__name__) from error
    destination.flush()
    return size
