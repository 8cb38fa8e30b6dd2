"""The guarded download of linked files: the address judgement, the allow-list, redirects,
size and time, against real HTTP servers on loopback (no CKAN)."""

from __future__ import annotations

import io
import ipaddress
import ssl
import subprocess
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from ckanext.walidata.quality import fetch
from ckanext.walidata.quality.limits import BeyondLimit, CheckRefused, FetchFailed
from tests.http_server import serving

TABLE = b"kode_wilayah,jumlah\n53.01,10\n"


class Files(BaseHTTPRequestHandler):
    """``/table.csv``, ``/big.csv`` (1 MB, no Content-Length), ``/slow.csv`` (a byte every
    0.3 s), ``/to?url`` (a redirect to the URL in the query), ``/loop`` (to itself)."""

    protocol_version = "HTTP/1.0"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path, _, query = self.path.partition("?")
        if path == "/table.csv":
            self.send_response(200)
            self.send_header("Content-Length", str(len(TABLE)))
            self.end_headers()
            self.wfile.write(TABLE)
        elif path == "/big.csv":
            self.send_response(200)
            self.end_headers()
            for _ in range(64):
                self.wfile.write(b"x" * 16384)
        elif path == "/slow.csv":
            self.send_response(200)
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.3)
        elif path in ("/to", "/loop"):
            self.send_response(302)
            self.send_header("Location", query if path == "/to" else "/loop")
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()


def serve() -> Iterator[str]:
    with serving(Files) as port:
        yield f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    """host:port of a real file server on loopback."""
    yield from serve()


@pytest.fixture(scope="module")
def other() -> Iterator[str]:
    """A second server on loopback, not on the allow-list."""
    yield from serve()


def limits(*allowed: str, **options: object) -> fetch.FetchLimits:
    return fetch.FetchLimits(**dict({"max_bytes": 1024 * 1024,
                                     "allowed": fetch.AllowList.parse(allowed)}, **options))


def download(url: str, guards: fetch.FetchLimits) -> bytes:
    buffer = io.BytesIO()
    fetch.fetch(url, buffer, guards)
    return buffer.getvalue()


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.1.2.3", "private"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"), ("fc00::1", "private"), ("fec0::1", "private"),
    ("169.254.169.254", "metadata"), ("::ffff:169.254.169.254", "metadata"),
    ("fd00:ec2::254", "metadata"), ("100.100.100.200", "metadata"),
    ("169.254.1.1", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("100.64.0.1", "shared"), ("100.127.255.254", "shared"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"), ("192.0.2.1", "reserved"),
    ("2001:db8::1", "reserved"), ("2002:7f00:1::", "loopback"), ("64:ff9b::a01:203", "private"),
])
def test_addresses_that_are_not_public_are_refused_with_their_kind(address, reason):
    assert fetch.refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "203.130.196.1",
                                     "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert fetch.refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1",
                                  "127.1", "localhost", "[::1]", "[::ffff:127.0.0.1]",
                                  "[::ffff:7f00:1]"])
def test_every_spelling_of_loopback_is_judged_after_resolving(files, host):
    port = files.rsplit(":", 1)[1]
    with pytest.raises(CheckRefused, match="loopback address") as refused:
        download(f"http://{host}:{port}/table.csv", limits())
    assert not isinstance(refused.value, FetchFailed)


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.org/a.csv", "Only http and https links can be checked; this one is ftp."),
    ("file:///etc/passwd", "this one is file"),
    ("http:///a.csv", "The link has no host name."),
    ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata service"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a cloud metadata service"),
])
def test_other_schemes_and_metadata_hosts_are_refused(url, message):
    with pytest.raises(CheckRefused, match=message):
        download(url, limits("169.254.0.0/16", "metadata.google.internal"))


def test_the_allow_list_lets_its_host_and_port_through_and_nothing_else(files, other):
    assert download(f"http://{files}/table.csv", limits(files)) == TABLE
    host, port = files.split(":")
    assert download(f"http://{files}/table.csv", limits("127.0.0.0/8")) == TABLE
    assert download(f"http://{files}/table.csv", limits(host)) == TABLE
    assert download(f"http://localhost:{port}/table.csv", limits(f"localhost:{port}")) == TABLE
    with pytest.raises(CheckRefused, match="loopback"):  # another port of the same host
        download(f"http://{other}/table.csv", limits(files))
    with pytest.raises(CheckRefused, match="loopback"):  # a name is not its address
        download(f"http://localhost:{port}/table.csv", limits("127.0.0.2"))


def test_an_allow_list_entry_may_come_from_the_environment(files):
    environ = {"FILE_SERVER": f"{files} 10.0.0.0/8"}
    parsed = fetch.AllowList.parse(["${FILE_SERVER}", "files.pemda.go.id"], environ)
    assert parsed == fetch.AllowList.parse([files, "10.0.0.0/8", "files.pemda.go.id"])
    assert fetch.AllowList.parse(["${UNSET_SERVER}"], environ) == fetch.AllowList()


def test_a_malformed_allow_list_entry_is_named():
    with pytest.raises(ValueError, match="'10.0.0.1:99999'"):
        fetch.AllowList.parse(["10.0.0.1:99999"])
    with pytest.raises(ValueError, match="'http://files'"):
        fetch.AllowList.parse(["http://files"])
    parsed = fetch.AllowList.parse(["files.pemda.go.id:8080", "[fd00::5]:8443", "10.0.0.0/8"])
    assert parsed.allows("files.pemda.go.id", 8080, ipaddress.ip_address("10.9.9.9"))
    assert not parsed.allows("files.pemda.go.id", 80, ipaddress.ip_address("192.168.0.1"))
    assert parsed.allows("x", 8443, ipaddress.ip_address("fd00::5"))
    assert parsed.allows("x", 1, ipaddress.ip_address("10.1.1.1"))


def test_a_redirect_from_an_allowed_host_to_loopback_is_refused_at_the_hop(files, other):
    hop = f"http://{other}/table.csv"
    assert download(f"http://{files}/to?{hop}", limits(files, other)) == TABLE
    with pytest.raises(CheckRefused, match="127.0.0.1, a loopback address"):
        download(f"http://{files}/to?{hop}", limits(files))
    with pytest.raises(CheckRefused, match="169.254.169.254, a cloud metadata service"):
        download(f"http://{files}/to?http://169.254.169.254/latest/", limits(files))
    with pytest.raises(CheckRefused, match="this one is file"):
        download(f"http://{files}/to?file:///etc/passwd", limits(files))


def test_redirects_are_bounded(files):
    with pytest.raises(CheckRefused, match="redirects more than 3 times"):
        download(f"http://{files}/loop", limits(files, max_redirects=3))


def test_size_and_time_are_bounded(files):
    assert len(download(f"http://{files}/big.csv", limits(files))) == 1024 * 1024
    with pytest.raises(BeyondLimit, match="larger than 1 MB"):
        download(f"http://{files}/big.csv", limits(files, max_bytes=1024 * 1024 - 1))
    with pytest.raises(BeyondLimit, match="larger than"):  # declared by Content-Length
        download(f"http://{files}/table.csv", limits(files, max_bytes=10))
    started = time.monotonic()
    with pytest.raises(BeyondLimit, match="took longer than 1 seconds"):
        download(f"http://{files}/slow.csv", limits(files, deadline=1))
    assert time.monotonic() - started < 3
    with pytest.raises(FetchFailed, match="sent nothing for"):
        download(f"http://{files}/slow.csv", limits(files, timeout=0.1))


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> Iterator[str]:
    """The file server over HTTPS with a self-signed certificate for localhost."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with serving(Files, tls=context) as port:
        yield f"localhost:{port}"


def test_https_is_verified_against_the_host_name_on_the_judged_address(tls_files):
    with pytest.raises(CheckRefused, match="HTTPS certificate is not valid for localhost"):
        download(f"https://{tls_files}/table.csv", limits(tls_files))


def test_http_errors_and_unknown_hosts_fail_with_a_reason(files):
    with pytest.raises(FetchFailed, match="HTTP 404") as failed:
        download(f"http://{files}/missing.csv", limits(files))
    assert not failed.value.retry
    with pytest.raises(FetchFailed, match="is not known"):
        download("http://no-such-host.invalid/a.csv", limits())
