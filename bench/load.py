"""Load test of the portal as it is served: anonymous visitors, OPD uploads and the review.

50 anonymous users (``--users``) browse at once, with no pause between requests: the
dataset list with facets, text search, dataset and resource pages, the search API with
facets, and a few requests for private datasets that must be refused. Beside them OPD
editors create datasets and upload a CSV through the API with their API tokens and submit
them, and the walidata (with the pembina data where the group has one) takes every
submission through the Klinik Walidata to ``published``: the traffic a portal gets on a
working day, compressed.

Every anonymous response (search pages, dataset and resource pages, the API) is checked
against the private datasets known at that moment (names, ids and resource ids): a private
dataset served to an anonymous user is counted as a leak. Datasets published during the run
are private until the walidata sends ``walidata_publish``; an anonymous response that
shows one and ends after that request was sent is not a leak (the commit may precede it).

Why a script of its own: it starts the servers itself, on databases of its own, so it
never touches the developer's portal (``ckan_walidata``):

- ``ckan_walidata_load``: the demo (``ckan walidata demo load``);
- ``ckan_walidata_load10k``: the demo plus 10,000 generated datasets, created through
  ``package_create`` in-process (validators, scheming, completeness, the PostgreSQL search
  index and activities as for any dataset), 25 per transaction.

Both are built once and reused (``bench/.data/load/<db>/built.json``; ``--rebuild``
starts over), with their uploads under ``bench/.data/load/<db>/storage`` and Redis db 7.
The servers: gunicorn exactly as ``scripts/serve.sh`` runs it (``--workers`` processes,
default 4 as there) with ``ckan jobs worker`` beside it, and for comparison
``ckan run`` (CKAN's single-process development server, reloader off) with the same
jobs worker. Only loopback addresses are used; ``--url`` (a server you started on one of
these databases) is refused unless it is 127.0.0.0/8 or [::1]. It stops by itself after
``--seconds`` and stops every process it started.

    .venv/bin/python bench/load.py                        # demo and 10k, gunicorn and ckan run
    .venv/bin/python bench/load.py --catalogue demo --server gunicorn --seconds 30
    make bench-load BENCH_ARGS="--seconds 60"

Results: a Markdown table on stdout and ``bench/results/load-<catalogue>-<server>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import ipaddress
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"
DATA = HERE / ".data" / "load"
RESULTS = HERE / "results"
INI = ROOT / "development.ini"
# The server and role of scripts/services.sh (and the Makefile's WALIDATA_PG_* settings).
PG = "postgresql://{}:{}@{}:{}".format(*(
    os.environ.get(f"WALIDATA_PG_{key}", default) for key, default in (
        ("ROLE", "ckan_walidata"), ("PASSWORD", "walidata"), ("HOST", "127.0.0.1"),
        ("PORT", "5432"))))
REDIS_URL = "redis://127.0.0.1:6379/7"
CATALOGUES = {"demo": ("ckan_walidata_load", 0), "10k": ("ckan_walidata_load10k", 10_000)}
PORTS = {("demo", "gunicorn"): 5101, ("demo", "ckan-run"): 5102,
         ("10k", "gunicorn"): 5103, ("10k", "ckan-run"): 5104}
SEED = 20261202
GENERATED_PREFIX = "gen-"
BATCH = 25
TIMEOUT = 30.0  # per request, seconds (gunicorn's worker timeout is 60)
SDI_TYPES = ("statistik", "geospasial", "keuangan", "pendukung")
FACETS = ["organization", "groups", "tags", "res_format", "license_id"]
# The anonymous mix, by weight.
ANON_MIX = {
    "/dataset + facets": 15,
    "/<type> + facets": 10,
    "text search": 20,
    "dataset page": 25,
    "resource page": 10,
    "API package_search + facets": 15,
    "private probe": 5,
}
WORD = re.compile(r"[a-z0-9][a-z0-9_-]*")


# ---------------------------------------------------------------------------
# Databases: built once, reused


def env_for(catalogue: str, port: int = 5101) -> dict[str, str]:
    """The environment of every CKAN process on a catalogue's database (never the portal's)."""
    db = CATALOGUES[catalogue][0]
    storage = DATA / db / "storage"
    storage.mkdir(parents=True, exist_ok=True)
    return dict(os.environ, CKAN_SQLALCHEMY_URL=f"{PG}/{db}", CKAN_REDIS_URL=REDIS_URL,
                CKAN_STORAGE_PATH=str(storage), CKAN_SITE_URL=f"http://127.0.0.1:{port}",
                CKAN_INI=str(INI), PYTHONUNBUFFERED="1")


def run_logged(cmd: list[str], env: dict[str, str], log: Path) -> None:
    """Run a build step, its output in a log file; a failure names the log."""
    print(f"  $ {' '.join(cmd)}  (log {log.relative_to(ROOT)})", flush=True)
    with log.open("a") as out:
        code = subprocess.call(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    if code:
        raise SystemExit(f"{cmd[0]} failed ({code}); see {log}")


def build(catalogue: str, rebuild: bool) -> dict[str, Any]:
    """Create, migrate and fill the catalogue's database unless it is already built."""
    db, generated = CATALOGUES[catalogue]
    marker = DATA / db / "built.json"
    if marker.exists() and not rebuild:
        return json.loads(marker.read_text())
    print(f"Building {db} ({catalogue})", flush=True)
    env = env_for(catalogue)
    log = DATA / db / "build.log"
    run_logged(["bash", "scripts/services.sh", db], env, log)
    started = time.monotonic()
    run_logged([str(BIN / "ckan"), "-c", str(INI), "db", "upgrade"], env, log)
    run_logged([str(BIN / "ckan"), "-c", str(INI), "walidata", "demo", "load"], env, log)
    demo_s = time.monotonic() - started
    gen_s = 0.0
    if generated:
        started = time.monotonic()
        run_logged([str(BIN / "python"), str(Path(__file__).resolve()), "_generate",
                    "--count", str(generated)], env, log)
        gen_s = time.monotonic() - started
    run_logged([str(BIN / "python"), str(Path(__file__).resolve()), "_tokens",
                "--out", str(DATA / db / "tokens.json")], env, log)
    info = {"database": db, "generated": generated, "demo_load_s": round(demo_s, 1),
            "generate_s": round(gen_s, 1), "built": dt.datetime.now(dt.timezone.utc).isoformat()}
    marker.write_text(json.dumps(info, indent=1))
    return info


@dataclasses.dataclass
class _Ckan:
    """CKAN loaded in this process (for the build steps only: the load test never is)."""

    app: Any

    @classmethod
    def load(cls) -> _Ckan:
        from ckan.cli import load_config
        from ckan.config.middleware import make_app

        return cls(make_app(load_config(os.environ.get("CKAN_INI", str(INI)))))


def generate(count: int) -> None:
    """Create ``count`` datasets through package_create, 25 per transaction; resumable.

    Each is a variant of a public demo dataset (its metadata tier, organization, groups,
    tags), under a new title (a kabupaten and a year) and name, with 1-3 linked files of
    non-tabular formats (tabular ones would queue 10,000 check jobs). A quarter are of the
    stock type ``dataset`` (older datasets, as the demo keeps three); 10 % of the rest stay
    private drafts. A Satu Data dataset is always created private (the schema's validator);
    the public ones are then published as datasets that were public before the review
    existed: the row's ``private`` flag and a review row in state ``published`` (what
    ``_dataset_and_review`` records for such a dataset), reindexed in the same
    transaction, as the review's publish does. Replaying six review actions per dataset
    through the API would take hours here, for the same rows.
    """
    import ckan.logic as logic
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa

    from ckanext.walidata.demo import catalogue as cat
    from ckanext.walidata.workflow import store
    from ckanext.walidata.workflow.machine import State

    ckan = _Ckan.load()
    with ckan.app._wsgi_app.test_request_context():
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        templates = [d for d in cat.DATASETS if not d.private]
        done = model.Session.query(model.Package).filter(
            model.Package.name.like(f"{GENERATED_PREFIX}%")).count()
        kab = [r.name for r in cat.REGIONS]
        formats = ("PDF", "PDF", "JSON", "ZIP", "SHP", "DOCX", "GeoJSON")
        unindexed = [row[0] for row in model.Session.execute(sa.text(
            "SELECT id FROM package WHERE name LIKE :prefix AND id NOT IN "
            "(SELECT id FROM walidata_search_doc)"), {"prefix": f"{GENERATED_PREFIX}%"})]
        for package_id in unindexed:  # left by an older version of this function
            logic.index_update_package({"ignore_auth": True}, package_id, defer_commit=True)
        # An older version left its public Satu Data datasets without a review row.
        model.Session.execute(sa.text(
            "INSERT INTO walidata_review (package_id, state) SELECT id, 'published' "
            "FROM package WHERE name LIKE :prefix AND NOT private AND type = ANY(:types) "
            "ON CONFLICT (package_id) DO NOTHING"),
            {"prefix": f"{GENERATED_PREFIX}%", "types": list(SDI_TYPES)})
        model.repo.commit()
        started = time.monotonic()
        print(f"generating {count - done} datasets ({done} present)", flush=True)
        for i in range(done, count):
            rng = random.Random(SEED + i)
            base = templates[i % len(templates)]
            year = rng.randint(2015, 2025)
            where = rng.choice(kab)
            title = f"{re.sub(r' ?[0-9]{4}(-[0-9]{4})?$', '', base.title)} {where} {year}"
            name = f"{GENERATED_PREFIX}{i:05d}-{cat._slug(title)}"[:100].rstrip("-")
            stock = i % 4 == 0
            private = not stock and rng.random() < 0.10
            variant = dataclasses.replace(base, title=title, name=name, period=str(year),
                                          type=cat.LEGACY_TYPE if stock else base.type,
                                          private=private)
            pkg = variant.package()
            pkg["resources"] = [{
                "name": f"{r.name} {where} {year}",
                "description": r.description,
                "format": (fmt := rng.choice(formats)),
                "url": f"http://127.0.0.1:9/unduh/{name}-{n}.{fmt.lower()}",
            } for n, r in enumerate(base.resources[:rng.randint(1, 3)])]
            context = {"user": site_user, "ignore_auth": True, "defer_commit": True}
            created = tk.get_action("package_create")(context, pkg)
            if not private and created["private"]:
                model.Package.get(created["id"]).private = False
                if variant.type in SDI_TYPES:  # published: public exactly when published
                    store.ensure(created["id"], State.PUBLISHED)
            # package_create indexes only when it commits itself (no defer_commit)
            logic.index_update_package({"ignore_auth": True}, created["id"], defer_commit=True)
            if (i + 1) % BATCH == 0 or i + 1 == count:
                model.repo.commit()
            if (i + 1) % 500 == 0:
                rate = (i + 1 - done) / (time.monotonic() - started)
                print(f"  {i + 1} datasets ({rate:.0f}/s)", flush=True)
        model.repo.commit()


def make_tokens(out: Path) -> None:
    """An API token for each demo account the load test acts as (created in-process)."""
    import ckan.plugins.toolkit as tk

    from ckanext.walidata.demo import catalogue as cat

    ckan = _Ckan.load()
    tokens: dict[str, str] = {}
    with ckan.app._wsgi_app.test_request_context():
        for user in cat.USERS:
            if user.name == cat.ADMIN_USER or user.password:
                result = tk.get_action("api_token_create")(
                    {"user": user.name, "ignore_auth": True},
                    {"user": user.name, "name": "bench-load"})
                tokens[user.name] = result["token"]
    out.write_text(json.dumps(tokens, indent=1))
    print(f"{len(tokens)} tokens in {out}", flush=True)



# ---------------------------------------------------------------------------
# Servers: started here, on the catalogue's database, stopped here


def loopback_url(url: str) -> str:
    """The URL without a trailing slash, or SystemExit when its host is not a loopback address.

    A load test sends thousands of requests: it must never reach another machine.
    """
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise SystemExit(f"--url {url}: give a loopback address (127.0.0.1 or [::1]), "
                         "not a host name") from None
    if not (address in ipaddress.ip_network("127.0.0.0/8")
            or address == ipaddress.ip_address("::1")):
        raise SystemExit(f"--url {url}: only 127.0.0.0/8 and [::1] are allowed")
    return url.rstrip("/")


class Servers:
    """The web server and the jobs worker of one run, each in its own process group."""

    def __init__(self, catalogue: str, kind: str, port: int, workers: int) -> None:
        self.catalogue, self.kind, self.port, self.workers = catalogue, kind, port, workers
        self.logs = DATA / CATALOGUES[catalogue][0] / "logs" / kind
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.url = f"http://127.0.0.1:{port}"

    def web_command(self) -> list[str]:
        if self.kind == "gunicorn":  # exactly as scripts/serve.sh, logs under bench/.data
            return [str(BIN / "gunicorn"), "ckanext.walidata.wsgi:application",
                    "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                    "--timeout", os.environ.get("WALIDATA_WEB_TIMEOUT", "60"),
                    "--graceful-timeout", "30",
                    "--max-requests", "2000", "--max-requests-jitter", "200",
                    "--access-logfile", str(self.logs / "access.log"),
                    "--error-logfile", "-", "--log-level", "warning"]
        # CKAN's development server: one process, one request at a time (no --threaded);
        # the reloader is off so that stopping it stops the server.
        return [str(BIN / "ckan"), "-c", str(INI), "run", "-H", "127.0.0.1",
                "-p", str(self.port), "--disable-reloader"]

    def _start(self, cmd: list[str], log: str) -> None:
        env = env_for(self.catalogue, self.port)
        with (self.logs / log).open("w") as out:
            self.procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out,
                                               stderr=subprocess.STDOUT,
                                               start_new_session=True))

    def start(self) -> None:
        probe = requests.Session()
        probe.trust_env = False
        try:
            probe.get(self.url, timeout=1)
            raise SystemExit(f"port {self.port} is already in use; stop what runs there")
        except requests.ConnectionError:
            pass
        _empty_job_queue()
        self._start([str(BIN / "ckan"), "-c", str(INI), "jobs", "worker"], "worker.log")
        self._start(self.web_command(), "web.log")
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    self.stop()
                    raise SystemExit(f"{proc.args[0]} exited ({proc.returncode}); "
                                     f"see {self.logs}")
            try:
                if probe.get(f"{self.url}/api/3/action/status_show", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"{self.kind} did not answer on {self.url} within 240 s")

    def stop(self) -> None:
        """TERM each process group this run started, then KILL what is left after 30 s."""
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs.clear()

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU seconds so far of the server's processes, and of PostgreSQL's backends
        serving its database (the page cost is shared between the two), from /proc."""
        server = database = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        groups = {proc.pid for proc in self.procs}
        marker = f" {CATALOGUES[self.catalogue][0]} "
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                title = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, UnicodeDecodeError):
                continue
            used = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
            if int(fields[2]) in groups:  # the process group: the server and its children
                server += used
            elif title.startswith("postgres:") and marker in title:
                database += used
        return server, database


def _empty_job_queue() -> None:
    """Drop jobs left in Redis db 7 (ours) by a build or an earlier run of another database."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


# ---------------------------------------------------------------------------
# What the anonymous users may not see


class Visibility:
    """The private datasets known now: names, ids and resource ids, and when each was published.

    A dataset stays in the set after its publish request is sent; a response showing it is a
    leak only if that response ended before the publish request was sent (it was private
    from the first byte of the request to the last one of the answer).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}  # name, id or resource id -> dataset name
        self.publish_sent: dict[str, float] = {}
        self.names: list[str] = []

    def add(self, name: str, *tokens: str) -> None:
        with self.lock:
            if name not in self.tokens:
                self.names.append(name)
            for token in (name, *tokens):
                self.tokens[token.lower()] = name

    def publishing(self, name: str) -> None:
        with self.lock:
            self.publish_sent.setdefault(name, time.monotonic())

    def still_private(self, rng: random.Random) -> str | None:
        with self.lock:
            candidates = [n for n in self.names[-200:] + rng.sample(self.names, min(
                50, len(self.names))) if n not in self.publish_sent]
        return rng.choice(candidates) if candidates else None

    def check(self, body: str, ended: float, skip: str = "") -> tuple[list[str], int]:
        """(private datasets in ``body``, datasets seen while their publish was under way)."""
        words = set(WORD.findall(body.lower()))
        with self.lock:
            hits = {self.tokens[w] for w in words & self.tokens.keys()}
            hits.discard(skip)
            leaks = [n for n in hits if self.publish_sent.get(n, float("inf")) > ended]
        return sorted(leaks), len(hits) - len(leaks)


# ---------------------------------------------------------------------------
# Recording


@dataclasses.dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool


class Recorder:
    """Every request's kind, latency and outcome; errors and leaks with their request."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.errors: list[dict[str, Any]] = []
        self.leaks: list[dict[str, Any]] = []
        self.raced = 0
        self.checked = 0
        self.notes: defaultdict[str, int] = defaultdict(int)
        self.measuring = False

    def add(self, kind: str, seconds: float, ok: bool, error: dict[str, Any] | None = None
            ) -> None:
        if not self.measuring:
            return
        with self.lock:
            self.samples.append(Sample(kind, seconds, ok))
            if error is not None:
                self.errors.append(dict(error, kind=kind, seconds=round(seconds, 3)))

    def leak(self, kind: str, url: str, names: list[str], raced: int) -> None:
        with self.lock:
            self.checked += 1
            self.raced += raced
            if names:
                self.leaks.append({"kind": kind, "url": url, "datasets": names})


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that was measured)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(q * len(ordered) + 0.999999) - 1))]


# ---------------------------------------------------------------------------
# The catalogue as the users know it


@dataclasses.dataclass
class Catalogue:
    public: list[dict[str, Any]]  # type, name, resource ids
    organizations: list[str]
    groups: list[str]
    tags: list[str]
    formats: list[str]
    words: list[str]


def _session(token: str | None = None) -> requests.Session:
    """A client that talks to the loopback server only: no proxies from the environment."""
    session = requests.Session()
    session.trust_env = False
    if token:
        session.headers["Authorization"] = token
    session.headers["User-Agent"] = "walidata-bench-load/1"
    return session


def _search_all(session: requests.Session, base: str, **params: Any) -> Iterator[dict[str, Any]]:
    start = 0
    while True:
        reply = session.get(f"{base}/api/3/action/package_search", timeout=120,
                            params=dict(params, rows=1000, start=start)).json()["result"]
        yield from reply["results"]
        start += 1000
        if start >= reply["count"]:
            return


def survey(base: str, admin_token: str, visibility: Visibility) -> Catalogue:
    """What the anonymous users can reach, and every private dataset (as the sysadmin)."""
    anon = _session()
    public, orgs, groups, tags, formats, words = [], set(), set(), set(), set(), set()
    for pkg in _search_all(anon, base, q="*:*"):
        public.append({"type": pkg["type"], "name": pkg["name"],
                       "resources": [r["id"] for r in pkg.get("resources") or []]})
        if pkg.get("organization"):
            orgs.add(pkg["organization"]["name"])
        groups.update(g["name"] for g in pkg.get("groups") or [])
        tags.update(t["name"] for t in pkg.get("tags") or [])
        formats.update(r["format"] for r in pkg.get("resources") or [] if r.get("format"))
        words.update(w for w in re.findall(r"[a-z]{5,}", pkg["title"].lower()))
    admin = _session(admin_token)
    for fq in ("capacity:private", "state:draft"):
        for pkg in _search_all(admin, base, q="*:*", fq=fq, include_private=True,
                               include_drafts=True):
            visibility.add(pkg["name"], pkg["id"],
                           *(r["id"] for r in pkg.get("resources") or []))
    return Catalogue(public, sorted(orgs), sorted(groups), sorted(tags), sorted(formats),
                     sorted(words))


# ---------------------------------------------------------------------------
# The users


class Run:
    """One load test against one server: the users' threads and what they share."""

    def __init__(self, base: str, tokens: dict[str, str], catalogue: Catalogue,
                 visibility: Visibility, seconds: float, users: int, editors: int,
                 editor_pause: float, run_id: str, database: str = "") -> None:
        self.base, self.tokens, self.catalogue = base, tokens, catalogue
        self.visibility, self.seconds, self.users = visibility, seconds, users
        self.editors, self.editor_pause, self.run_id = editors, editor_pause, run_id
        self.database = database
        self.recorder = Recorder()
        self.stop_at = float("inf")
        self.review_queue: list[dict[str, Any]] = []
        self.review_lock = threading.Lock()
        self.published: list[str] = []
        self.unfinished: dict[str, str] = {}

    # -- one request, timed and checked --

    def request(self, session: requests.Session, kind: str, method: str, path: str,
                expect: tuple[int, ...] = (200,), check: bool = False, skip: str = "",
                **kwargs: Any) -> requests.Response | None:
        url = f"{self.base}{path}"
        started = time.monotonic()
        try:
            response = session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as err:
            self.recorder.add(kind, time.monotonic() - started, False,
                              {"method": method, "url": url, "error": repr(err)})
            return None
        ended = time.monotonic()
        ok = response.status_code in expect
        if ok and path.startswith("/api/") and response.status_code == 200:
            ok = bool(response.json().get("success"))
        self.recorder.add(kind, ended - started, ok, None if ok else {
            "method": method, "url": url, "status": response.status_code,
            "body": _excerpt(response), "data": _describe(kwargs)})
        if check and self.recorder.measuring:
            leaks, raced = self.visibility.check(response.text, ended, skip)
            self.recorder.leak(kind, url, leaks, raced)
            if response.status_code == 200 and kind == "private probe":
                self.recorder.leak(kind, url, [skip], 0)
        return response

    # -- anonymous visitors --

    def anonymous(self, number: int) -> None:
        rng = random.Random(SEED * 7 + number)
        session = _session()
        kinds, weights = list(ANON_MIX), list(ANON_MIX.values())
        while time.monotonic() < self.stop_at:
            kind = rng.choices(kinds, weights)[0]
            self.anonymous_request(session, rng, kind)

    def anonymous_request(self, session: requests.Session, rng: random.Random, kind: str
                          ) -> None:
        cat = self.catalogue
        if kind in ("/dataset + facets", "/<type> + facets"):
            facets = {"organization": cat.organizations, "groups": cat.groups,
                      "tags": cat.tags[:200], "res_format": cat.formats}
            params = {key: rng.choice(values) for key, values in rng.sample(
                sorted(facets.items()), rng.randint(0, 2)) if values}
            if rng.random() < 0.3:
                params["page"] = rng.randint(2, 4)
            where = "dataset" if kind == "/dataset + facets" else rng.choice(SDI_TYPES)
            self.request(session, kind, "GET", f"/{where}", params=params, check=True)
        elif kind == "text search":
            words = " ".join(rng.sample(cat.words, rng.choice((1, 1, 2))))
            self.request(session, kind, "GET", "/dataset", params={"q": words}, check=True)
        elif kind in ("dataset page", "resource page"):
            pkg = rng.choice(cat.public)
            path = f"/{pkg['type']}/{pkg['name']}"
            if kind == "resource page":
                if not pkg["resources"]:
                    return
                path += f"/resource/{rng.choice(pkg['resources'])}"
            self.request(session, kind, "GET", path, check=True)
        elif kind == "API package_search + facets":
            params: dict[str, Any] = {"facet.field": json.dumps(FACETS), "rows": 20,
                                      "facet.limit": 50}
            if rng.random() < 0.6:
                params["q"] = rng.choice(cat.words)
            if rng.random() < 0.4:
                params["fq"] = f'organization:"{rng.choice(cat.organizations)}"'
            self.request(session, kind, "GET", "/api/3/action/package_search", params=params,
                         check=True)
        elif kind == "private probe":
            name = self.visibility.still_private(rng)
            if name is None:
                return
            if rng.random() < 0.5:
                self.request(session, kind, "GET", f"/dataset/{name}", expect=(403, 404),
                             check=True, skip=name)
            else:
                self.request(session, kind, "GET", "/api/3/action/package_show",
                             params={"id": name}, expect=(403, 404), check=True, skip=name)

    # -- OPD editors: a dataset, a CSV upload, the submission --

    def editor(self, number: int) -> None:
        rng = random.Random(SEED * 11 + number)
        plans = _upload_plans()
        users = sorted(plans)
        user = users[number % len(users)]
        session = _session(self.tokens[user])
        n = 0
        while time.monotonic() < self.stop_at:
            template = rng.choice(plans[user])
            n += 1
            name = f"load-{self.run_id}-{user}-{n}"[:100]
            title = f"{template.title} (uji beban {self.run_id} {user} {n})"
            ds = dataclasses.replace(template, name=name, title=title)
            self.visibility.add(name)  # private from its first moment: known before it exists
            package = ds.package()
            # An editor is no member of the sektor groups (the demo adds them as the site
            # user); the walidata files datasets into groups.
            package.pop("groups", None)
            created = self.request(session, "OPD package_create", "POST",
                                   "/api/3/action/package_create", json=package)
            if created is None or not created.ok:
                time.sleep(self.editor_pause)
                continue
            package_id = created.json()["result"]["id"]
            self.visibility.add(name, package_id)
            ok = True
            for res in ds.resources[:1]:
                fields = dict(res.fields(ds), package_id=package_id, url=res.filename)
                uploaded = self.request(
                    session, "OPD resource_create (CSV upload)", "POST",
                    "/api/3/action/resource_create", data=fields,
                    files={"upload": (res.filename, res.path.read_bytes(), res.mimetype)})
                if uploaded is None or not uploaded.ok:
                    ok = False
                    break
                self.visibility.add(name, uploaded.json()["result"]["id"])
            if ok:
                submitted = self.request(session, "OPD walidata_submit", "POST",
                                         "/api/3/action/walidata_submit",
                                         json={"id": package_id, "comment": "Uji beban"})
                if submitted is not None and submitted.ok:
                    with self.review_lock:
                        self.review_queue.append({
                            "id": package_id, "name": name, "type": ds.type,
                            "state": submitted.json()["result"]["state"]})
            time.sleep(self.editor_pause)

    # -- the walidata desk and the pembina data --

    def reviewer(self) -> None:
        """The desk takes the oldest submission as far as it can go, then the next one."""
        from ckanext.walidata.demo import catalogue as cat

        walidata = _session(self.tokens[cat.WALIDATA_USER])
        pembina = {group: _session(self.tokens[user]) for group, user in
                   cat.PEMBINA_USER.items()}
        while time.monotonic() < self.stop_at:
            with self.review_lock:
                queue = list(self.review_queue)
            moved = False
            for item in queue:
                while time.monotonic() < self.stop_at and self.review_step(
                        walidata, pembina, item):
                    moved = True
            if not moved:
                time.sleep(0.5)

    def review_step(self, walidata: requests.Session, pembina: dict[str, requests.Session],
                    item: dict[str, Any]) -> bool:
        """The next action on one dataset, by whoever's turn it is; True if it moved.

        The state comes from the previous action's answer (each review action returns the
        review); ``walidata_review_show`` is asked only when it is not known.
        """
        state = item.get("state")
        if state is None:
            shown = self.request(walidata, "review: walidata_review_show", "GET",
                                 "/api/3/action/walidata_review_show",
                                 params={"id": item["id"]})
            if shown is None or not shown.ok:
                return False
            state = item["state"] = shown.json()["result"]["state"]
        self.unfinished[item["name"]] = state
        body = {"id": item["id"], "comment": "Uji beban: diperiksa."}
        if state == "submitted":
            action, session = "walidata_verify", walidata
        elif state == "verifying":
            quality = self.request(walidata, "review: walidata_quality_show", "GET",
                                   "/api/3/action/walidata_quality_show",
                                   params={"id": item["id"]})
            if quality is None or not quality.ok:
                return False
            result = quality.json()["result"]
            if any(r["status"] in (None, "created", "running") or not r["current"]
                   for r in result["resources"]):
                return False  # the jobs worker has not finished the checks yet
            if any(r["errors"] or r["status"] == "error" for r in result["resources"]):
                self.recorder.add("review: checks found errors", 0.0, False, {
                    "dataset": item["name"], "blocking": result["blocking"]})
                self.drop(item)
                return False
            for r in result["resources"]:
                for error_type in r["open_warnings"]:
                    self.request(walidata, "review: walidata_quality_justify", "POST",
                                 "/api/3/action/walidata_quality_justify", json={
                                     "id": item["id"], "resource_id": r["resource_id"],
                                     "error_type": error_type,
                                     "justification": "Uji beban: diperiksa dan diterima."})
            action, session = "walidata_verify", walidata
        elif state == "qa":
            action, session = "walidata_qa_approve", pembina[item["type"]]
        elif state == "verified":
            action, session = "walidata_ratify", walidata
        elif state == "ratified":
            action, session = "walidata_publish", walidata
            self.visibility.publishing(item["name"])
        else:
            self.unfinished.pop(item["name"], None)
            if state == "published":
                self.published.append(item["name"])
            self.drop(item)
            return False
        done = self.request(session, f"review: {action}", "POST", f"/api/3/action/{action}",
                            json=body)
        if done is None or not done.ok:
            item["state"] = None  # ask again next time; the error is recorded
            return False
        item["state"] = done.json()["result"]["state"]
        if item["state"] == "published":
            self.published.append(item["name"])
            self.unfinished.pop(item["name"], None)
            self.drop(item)
            return False
        return True

    def drop(self, item: dict[str, Any]) -> None:
        with self.review_lock:
            if item in self.review_queue:
                self.review_queue.remove(item)

    # -- the run --

    def warm_up(self) -> None:
        """Each anonymous kind a few times, unmeasured: every process loads its term index."""
        threads = [threading.Thread(target=self._warm, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _warm(self, number: int) -> None:
        rng = random.Random(number)
        session = _session()
        for kind in ANON_MIX:
            self.anonymous_request(session, rng, kind)

    def run(self) -> dict[str, Any]:
        self.stop_at = time.monotonic() + 3600
        self.warm_up()
        threads = [threading.Thread(target=self.anonymous, args=(i,), daemon=True)
                   for i in range(self.users)]
        threads += [threading.Thread(target=self.editor, args=(i,), daemon=True)
                    for i in range(self.editors)]
        threads.append(threading.Thread(target=self.reviewer, daemon=True))
        load = LoadSampler(self.database)
        cpu = os.times()
        self.recorder.measuring = True
        started = time.monotonic()
        self.stop_at = started + self.seconds
        load.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, self.stop_at - time.monotonic()) + TIMEOUT + 10)
        elapsed = time.monotonic() - started
        self.recorder.measuring = False
        load.stop()
        used = os.times()
        client_cpu = (used.user - cpu.user) + (used.system - cpu.system)
        return self.summary(elapsed, load, client_cpu)

    def summary(self, elapsed: float, load: LoadSampler, client_cpu: float) -> dict[str, Any]:
        rec = self.recorder
        by_kind: defaultdict[str, list[Sample]] = defaultdict(list)
        for sample in rec.samples:
            by_kind[sample.kind].append(sample)
        rows = {}
        for kind, samples in sorted(by_kind.items(), key=lambda kv: _kind_order(kv[0])):
            times = [s.seconds * 1000 for s in samples]
            rows[kind] = {"requests": len(samples), "errors": sum(not s.ok for s in samples),
                          "p50_ms": round(_percentile(times, 0.50), 1),
                          "p95_ms": round(_percentile(times, 0.95), 1),
                          "max_ms": round(max(times), 1),
                          "per_s": round(len(samples) / elapsed, 2)}
        anon = [s for s in rec.samples if s.kind in ANON_MIX]
        return {
            "seconds": round(elapsed, 1), "users": self.users, "editors": self.editors,
            "requests": len(rec.samples), "requests_per_s": round(len(rec.samples) / elapsed, 1),
            "anonymous_requests_per_s": round(len(anon) / elapsed, 1),
            "errors": len(rec.errors), "error_samples": rec.errors[:50],
            "anonymous_responses_checked": rec.checked, "private_leaks": len(rec.leaks),
            "leak_samples": rec.leaks[:50], "seen_while_publishing": rec.raced,
            "private_known_at_end": len(self.visibility.names),
            "published_in_run": len(self.published),
            "left_in_review": dict(sorted(Counter(
                item.get("state") or "?" for item in self.review_queue).items())),
            "kinds": rows, "loadavg": load.samples, "client_cpu_s": round(client_cpu, 1),
            "postgres_active_samples": dict(load.queries.most_common(12)),
        }


def _kind_order(kind: str) -> tuple[int, str]:
    order = [*ANON_MIX, "OPD package_create", "OPD resource_create (CSV upload)",
             "OPD walidata_submit"]
    return (order.index(kind) if kind in order else len(order), kind)


def _excerpt(response: requests.Response) -> str:
    try:
        return json.dumps(response.json().get("error"), ensure_ascii=False)[:600]
    except ValueError:
        return re.sub(r"\s+", " ", response.text)[:300]


def _describe(kwargs: dict[str, Any]) -> Any:
    """The request's parameters for the error list (never the uploaded bytes)."""
    out = {key: kwargs[key] for key in ("params", "json") if key in kwargs}
    if "data" in kwargs:
        out["data"] = {k: v for k, v in kwargs["data"].items() if k in ("package_id", "name")}
    return out


_PLANS: dict[str, list[Any]] = {}
_PLANS_LOCK = threading.Lock()


def _upload_plans() -> dict[str, list[Any]]:
    """Per OPD editor, the demo datasets it can submit again: complete metadata, a CSV file.

    Only datasets the demo takes to ``published`` (their files pass the checks), of a
    reviewed type, and not of the walidata's own organization (its datasets go to
    another reviewer).
    """
    from ckanext.walidata.demo import catalogue as cat

    with _PLANS_LOCK:  # the editor threads ask at once: one fills, the others wait
        if _PLANS:
            return _PLANS
        for ds in cat.DATASETS:
            review = cat.review_of(ds)
            if (review is None or review.state != "published" or ds.private
                    or ds.tier != "lengkap" or ds.organization == cat.WALIDATA_ORG
                    or not ds.resources or not ds.resources[0].filename.endswith(".csv")):
                continue
            _PLANS.setdefault(ds.org.editor, []).append(ds)
    return _PLANS


class LoadSampler:
    """The machine's load average every 5 s (the machine is shared, the figures say how
    much), and what PostgreSQL is busy with on the load database twice a second (where the
    database's share of the time goes)."""

    def __init__(self, database: str = "") -> None:
        self.samples: list[str] = []
        self.database = database
        self.queries: Counter[str] = Counter()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        connection = None
        if self.database:
            import psycopg2

            connection = psycopg2.connect(f"{PG}/{self.database}")
            connection.autocommit = True
        tick = 0
        while True:
            if tick % 10 == 0:
                self.samples.append(Path("/proc/loadavg").read_text().split(" ", 3)[0])
            if connection is not None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT query FROM pg_stat_activity WHERE datname = %s "
                                   "AND state = 'active' AND pid <> pg_backend_pid()",
                                   (self.database,))
                    for (query,) in cursor.fetchall():
                        self.queries[re.sub(r"\s+", " ", query)[:700]] += 1
            tick += 1
            if self.done.wait(0.5):
                if connection is not None:
                    connection.close()
                return

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


# ---------------------------------------------------------------------------
# Main


def one_run(catalogue: str, server: str, args: argparse.Namespace) -> dict[str, Any]:
    db = CATALOGUES[catalogue][0]
    tokens = json.loads((DATA / db / "tokens.json").read_text())
    servers = None
    if args.url:
        base = loopback_url(args.url)
    else:
        servers = Servers(catalogue, server, PORTS[(catalogue, server)], args.workers)
        print(f"[{catalogue} / {server}] starting on {servers.url}", flush=True)
        servers.start()
        base = servers.url
    try:
        visibility = Visibility()
        cat = survey(base, tokens["admin"], visibility)
        print(f"[{catalogue} / {server}] {len(cat.public)} public datasets, "
              f"{len(visibility.names)} private; {args.users} users, {args.editors} editors, "
              f"{args.seconds} s", flush=True)
        run_id = dt.datetime.now().strftime("%m%d%H%M%S")
        run = Run(base, tokens, cat, visibility, args.seconds, args.users, args.editors,
                  args.editor_pause, run_id, db)
        cpu_before = servers.cpu_seconds() if servers else (0.0, 0.0)
        uptime_before = _uptime()
        result = run.run()
        cpu_after = servers.cpu_seconds() if servers else (0.0, 0.0)
        result.update(catalogue=catalogue, server="url" if args.url else server,
                      workers=args.workers if server == "gunicorn" else 1, url=base,
                      public_datasets=len(cat.public), uptime_before=uptime_before,
                      uptime_after=_uptime(),
                      server_cpu_s=round(cpu_after[0] - cpu_before[0], 1) if servers else None,
                      postgres_cpu_s=round(cpu_after[1] - cpu_before[1], 1)
                      if servers else None,
                      at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    finally:
        if servers is not None:
            servers.stop()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"load-{catalogue}-{result['server']}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(table([result]), flush=True)
    print(f"(details: {out.relative_to(ROOT)})", flush=True)
    return result


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def table(results: list[dict[str, Any]]) -> str:
    """Per page kind p50/p95 (ms) for each run, then requests/s, errors and leaks."""
    heads = [f"{r['catalogue']} {r['server']}" for r in results]
    kinds = sorted({k for r in results for k in r["kinds"]}, key=_kind_order)
    lines = ["| request | " + " | ".join(f"{h} p50 / p95 ms (n)" for h in heads) + " |",
             "| --- |" + " --- |" * len(results)]
    for kind in kinds:
        cells = []
        for r in results:
            row = r["kinds"].get(kind)
            if row is None:
                cells.append("-")
                continue
            errors = f", {row['errors']} err" if row["errors"] else ""
            cells.append(f"{row['p50_ms']:.0f} / {row['p95_ms']:.0f} ({row['requests']}{errors})")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    for label, key in (("requests/s (all)", "requests_per_s"),
                       ("requests/s (anonymous)", "anonymous_requests_per_s"),
                       ("errors", "errors"),
                       ("private datasets served to anonymous", "private_leaks"),
                       ("anonymous responses checked", "anonymous_responses_checked"),
                       ("datasets published during the run", "published_in_run")):
        lines.append(f"| {label} | " + " | ".join(str(r[key]) for r in results) + " |")
    for label, key in (("server CPU s (ms per request)", "server_cpu_s"),
                       ("PostgreSQL CPU s (ms per request)", "postgres_cpu_s")):
        lines.append(f"| {label} | " + " | ".join(
            f"{r[key]} ({1000 * r[key] / max(1, r['requests']):.0f})"
            if r.get(key) is not None else "-" for r in results) + " |")
    lines.append("| load average (1 min) during | " + " | ".join(
        f"{min(map(float, r['loadavg']))}–{max(map(float, r['loadavg']))}" for r in results)
        + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_generate":
        generate(int(argv[argv.index("--count") + 1]))
        return 0
    if argv and argv[0] == "_tokens":
        make_tokens(Path(argv[argv.index("--out") + 1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", nargs="+", choices=list(CATALOGUES),
                        default=list(CATALOGUES))
    parser.add_argument("--server", nargs="+", choices=["gunicorn", "ckan-run"],
                        default=["gunicorn", "ckan-run"])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=50, help="anonymous users at once")
    parser.add_argument("--editors", type=int, default=4, help="OPD editors uploading at once")
    parser.add_argument("--editor-pause", type=float, default=1.0,
                        help="seconds an editor waits between two datasets")
    parser.add_argument("--workers", type=int,
                        default=int(os.environ.get("WALIDATA_WEB_WORKERS", "4")),
                        help="gunicorn processes (serve.sh's WALIDATA_WEB_WORKERS, default 4)")
    parser.add_argument("--url", help="a server already running on one of the load "
                        "databases (loopback only); then one --catalogue, no servers started")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 200 or not 0 <= args.editors <= 20 or not 1 <= args.seconds <= 900:
        parser.error("bounds: --users 1-200, --editors 0-20, --seconds 1-900")
    if args.url:
        loopback_url(args.url)
        if len(args.catalogue) != 1:
            parser.error("--url needs exactly one --catalogue (whose tokens to use)")
    for catalogue in args.catalogue:
        build(catalogue, args.rebuild)
    if args.build_only:
        return 0
    results = []
    for catalogue in args.catalogue:
        for server in ([args.server[0]] if args.url else args.server):
            results.append(one_run(catalogue, server, args))
    if len(results) > 1:
        print("\n" + table(results))
    return 1 if any(r["errors"] or r["private_leaks"] for r in results) else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # finally: stop the servers
    sys.exit(main())
