"""Validation benchmark: the Satu Data checks against plain frictionless on large CSVs.

Generates (once, cached under ``--data-dir``) seeded regional-statistics tables of NTT
(``kode_wilayah,nama_wilayah,tahun,laki_laki,perempuan,jumlah,persentase``, the real
kecamatan and desa codes ``53.xx.xx[.xxxx]``) and validates each file, in the same run:

* ``plain``: ``frictionless.Resource(path, schema=...).validate()`` in a trusted context;
* ``cli``: ``frictionless validate --json --trusted --schema ...`` (the same thing, as a
  command);
* ``ours``: ``ckanext.walidata.quality.engine.validate`` with every Satu Data check on and a
  filled ``CheckContext`` (reference lists, a previous period, one peer agency).

Every measurement runs in a fresh process, so its peak RSS is its own. Throughput is rows
over the seconds of the validation call (imports and set-up excluded; for the CLI, the
report's own timer), by the wall clock and by the process's CPU time (steadier on a shared
machine). ``--repeat N`` keeps the best throughput and the highest RSS. ``--breakdown``
times the engine with each check alone on the smallest file.

    .venv/bin/python bench/validate.py --rows 100000            # quick check
    .venv/bin/python bench/validate.py --json bench/results/validate.json
    .venv/bin/python bench/validate.py --rows 1000000 --variants --breakdown --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / ".data"
FRICTIONLESS_CLI = Path(sys.executable).with_name("frictionless")
GENERATOR = "v1"  # bump when the generated data change: the cache is keyed by it
SEED = 20261126
FIRST_YEAR = 1990
YEARS = 35  # the year blocks run 1990-2024 and then repeat (see README)
LEVELS = ("kecamatan", "desa_kelurahan")
HEADER = ("kode_wilayah", "nama_wilayah", "tahun", "laki_laki", "perempuan", "jumlah",
          "persentase")
# The data dictionary both sides validate against: codes are text (53.10 is not 53.1).
SCHEMA: dict[str, Any] = {"fields": [
    {"name": "kode_wilayah", "type": "string"},
    {"name": "nama_wilayah", "type": "string"},
    {"name": "tahun", "type": "integer"},
    {"name": "laki_laki", "type": "integer"},
    {"name": "perempuan", "type": "integer"},
    {"name": "jumlah", "type": "integer"},
    {"name": "persentase", "type": "number"},
]}
SHARP_EVERY = 200  # every n-th region moved sharply since the previous period
PEER_EVERY = 100  # every n-th region differs from the peer agency's figure
LIMIT_ERRORS = 1000  # the engine's default, and frictionless's
HEAD_ROWS = 100  # the first rows of the data: --instructions subtracts a run over them

Region = tuple[str, str, str | None]  # code, name, parent kecamatan (desa only)


# -- data ---------------------------------------------------------------------------------


def ntt_regions() -> list[Region]:
    """The real NTT kecamatan and desa/kelurahan, in code order (a kecamatan, then its desa)."""
    from ckanext.walidata import reference

    return sorted((c.code, c.name, c.parent if c.level == "desa_kelurahan" else None)
                  for c in reference.read_file("wilayah")
                  if c.code.startswith("53.") and c.level in LEVELS)


def base_population(regions: list[Region]) -> dict[str, tuple[int, int]]:
    """Men and women per desa; a kecamatan is the sum of its desa, as BPS tables are."""
    rng = random.Random(SEED)
    base: dict[str, tuple[int, int]] = {}
    for code, _name, parent in regions:
        if parent is not None:
            men = rng.randint(250, 2500)
            base[code] = (men, round(men * rng.uniform(0.96, 1.08)))
    return base


def block(regions: list[Region], base: dict[str, tuple[int, int]], index: int, *,
          year: int | None = None, scale: float = 1.0, seed: int | None = None) -> list[list]:
    """One year of every region: seeded by the block index, so any block can be rebuilt."""
    rng = random.Random(SEED * 7919 + (index if seed is None else seed))
    growth = scale * 1.012 ** (index % YEARS)
    year = FIRST_YEAR + index % YEARS if year is None else year
    values: dict[str, list[int]] = {}
    for code, _name, parent in regions:
        if parent is None:
            values[code] = [0, 0]
            continue
        men, women = base[code]
        men = round(men * growth * rng.uniform(0.98, 1.02))
        women = round(women * growth * rng.uniform(0.98, 1.02))
        values[code] = [men, women]
        totals = values.get(parent)
        if totals is not None:
            totals[0] += men
            totals[1] += women
    rows = []
    for code, name, _parent in regions:
        men, women = values[code]
        rows.append([code, name, year, men, women, men + women,
                     round(100 * women / (men + women), 2) if men + women else 0.0])
    return rows


def _fix_totals(row: list) -> list:
    row[5] = row[3] + row[4]
    row[6] = round(100 * row[4] / row[5], 2) if row[5] else 0.0
    return row


def _write(path: Path, rows: Iterator[list]) -> None:
    """Stream rows to ``path`` through a temporary name: a cut-off run leaves no cache."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8", buffering=1 << 20) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(row)
    os.replace(tmp, path)


def main_rows(regions: list[Region], base: dict[str, tuple[int, int]],
              total: int) -> Iterator[list]:
    """``total`` rows of consecutive year blocks; only one block is in memory at a time."""
    index = written = 0
    while written < total:
        rows = block(regions, base, index)[: total - written]
        yield from rows
        written += len(rows)
        index += 1


def previous_rows(regions: list[Region], base: dict[str, tuple[int, int]]) -> Iterator[list]:
    """The year before the first block: ~1 % lower, every SHARP_EVERY-th region far lower."""
    for number, row in enumerate(block(regions, base, 0, year=FIRST_YEAR - 1,
                                       scale=1 / 1.012, seed=-1)):
        if number % SHARP_EVERY == SHARP_EVERY - 1:
            row[3], row[4] = round(row[3] * 0.4), round(row[4] * 0.4)
        yield _fix_totals(row)


def peer_rows(regions: list[Region], base: dict[str, tuple[int, int]]) -> Iterator[list]:
    """Another OPD's table of the first year: the same figures, every PEER_EVERY-th +3 %."""
    for number, row in enumerate(block(regions, base, 0)):
        if number % PEER_EVERY == PEER_EVERY - 1:
            row[3], row[4] = round(row[3] * 1.03), round(row[4] * 1.03)
        yield _fix_totals(row)


def data_files(data_dir: Path, sizes: list[int]) -> dict[str, Path]:
    """Generate what is missing; returns the paths by name (``previous``, ``peer``, sizes)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    paths = {"previous": data_dir / f"wilayah-{GENERATOR}-previous.csv",
             "peer": data_dir / f"wilayah-{GENERATOR}-peer.csv",
             "head": data_dir / f"wilayah-{GENERATOR}-head.csv",
             "schema": data_dir / f"wilayah-{GENERATOR}-schema.json"}
    paths.update({str(n): data_dir / f"wilayah-{GENERATOR}-{n}.csv" for n in sizes})
    if all(path.exists() for path in paths.values()):
        return paths
    regions = ntt_regions()
    base = base_population(regions)
    paths["schema"].write_text(json.dumps(SCHEMA, indent=1))
    for name, path in paths.items():
        if path.exists() or name == "schema":
            continue
        started = time.perf_counter()
        if name == "previous":
            _write(path, previous_rows(regions, base))
        elif name == "peer":
            _write(path, peer_rows(regions, base))
        elif name == "head":  # the baseline of --instructions
            _write(path, main_rows(regions, base, HEAD_ROWS))
        else:
            _write(path, main_rows(regions, base, int(name)))
        print(f"generated {path.name}: {path.stat().st_size / 1e6:.0f} MB in "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    return paths


# -- the measured processes ---------------------------------------------------------------


def _status_mb(field: str) -> float:
    """``VmHWM`` (peak) or ``VmRSS`` (now) of this process, from /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Restart VmHWM from the current RSS (Linux ``clear_refs`` 5): the validation's own peak."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _report_facts(report: dict[str, Any]) -> dict[str, Any]:
    task = report["tasks"][0]
    return {"rows": int(task["stats"].get("rows") or 0), "valid": report["valid"],
            "errors": len(task["errors"]), "warnings": task["warnings"],
            "error_types": dict(Counter(e["type"] for e in task["errors"]))}


def _timed(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Time ``run`` (wall and CPU) and take its own RSS peak apart from the set-up's.

    ``setup_peak_mb`` is the high-water mark of imports and set-up; ``rss_start_mb`` the RSS
    the validation starts from; ``validation_peak_mb`` the highest RSS while it ran.
    """
    gc.collect()
    setup_peak, start = _status_mb("VmHWM"), _status_mb("VmRSS")
    reset = _reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    facts = run()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "setup_peak_mb": setup_peak,
            "rss_start_mb": start, "validation_peak_mb": _status_mb("VmHWM"),
            "peak_reset": reset, **facts}


def child_plain(path: str, data_dir: Path) -> dict[str, Any]:
    """Plain frictionless, as the engine calls it but without the Satu Data checklist."""
    import frictionless
    from frictionless import Resource, Schema

    def run(source: str) -> dict[str, Any]:
        with frictionless.system.use_context(trusted=True):
            report = Resource(source, format="csv", schema=Schema.from_descriptor(SCHEMA))
            return _report_facts(report.validate(limit_errors=LIMIT_ERRORS).to_descriptor())

    # A small file first, as ours builds its context: frictionless imports lazily.
    run(str(data_dir / f"wilayah-{GENERATOR}-previous.csv"))
    return _timed(lambda: run(path))


def check_context(data_dir: Path) -> Any:
    """A realistic context: both reference lists, the previous period, one peer agency."""
    from ckanext.walidata import reference
    from ckanext.walidata.quality.context import CheckContext, Peer
    from ckanext.walidata.quality.engine import validate
    from ckanext.walidata.quality.profile import Profile

    def profile_of(path: Path) -> Profile:
        outcome = validate(str(path), fmt="csv", schema=SCHEMA)
        return Profile.from_dict(outcome.profile)

    return CheckContext(
        region_codes={c.code: c.level for c in reference.read_file("wilayah")},
        urusan_codes={c.code: c.level for c in reference.read_file("urusan")},
        region_levels=frozenset(LEVELS), region_coverage="53", unit="jiwa", open_data=True,
        previous=profile_of(data_dir / f"wilayah-{GENERATOR}-previous.csv"),
        previous_label=str(FIRST_YEAR - 1),
        peers=(Peer(label="penduduk-desa-ntt (BPS Provinsi NTT)",
                    profile=profile_of(data_dir / f"wilayah-{GENERATOR}-peer.csv")),))


def narrow(kinds: Collection[str] | None) -> bool:
    """Make the engine run only the Satu Data rules whose ``type`` is in ``kinds``.

    ``None`` means no Satu Data check at all; returns the engine's ``satudata`` argument. An
    empty ``kinds`` keeps the ``satudata`` check with no rule: the rows are batched and the
    profile builder takes them (what every rule builds on). The rules run unchanged: only
    the engine's ``satudata_checks`` is wrapped.
    """
    from ckanext.walidata.quality import engine

    original = _ORIGINAL.setdefault("satudata_checks", engine.satudata_checks)
    if kinds is None:
        engine.satudata_checks = original
        return False
    wanted = frozenset(kinds)

    def narrowed(cols: Any, ctx: Any, builder: Any, **options: Any) -> list:
        checks = original(cols, ctx, builder, **options)
        for check in checks:
            check.rules = [rule for rule in check.rules if rule.type in wanted]
        return checks

    engine.satudata_checks = narrowed
    return True


_ORIGINAL: dict[str, Any] = {}


def only_argument(kinds: list[str] | None) -> str:
    """``--only`` for a checklist of ``checklists``: the rule types to keep, comma-separated,
    ``profile`` for none of them, ``none`` for no Satu Data check at all."""
    return "none" if kinds is None else ",".join(kinds) or "profile"
PROFILE = "profile (batches, keys, sums)"


def checklists() -> dict[str, list[str] | None]:
    """The breakdown's checklists: none, the profile alone, the profile + each rule, all."""
    from ckanext.walidata.quality import columns
    from ckanext.walidata.quality.checks import satudata_checks
    from ckanext.walidata.quality.context import CheckContext
    from ckanext.walidata.quality.profile import ProfileBuilder

    cols = columns.detect(SCHEMA)
    (check,) = satudata_checks(cols, CheckContext(), ProfileBuilder(cols))
    types = [rule.type for rule in check.rules]
    variants: dict[str, list[str] | None] = {"no checks": None, PROFILE: []}
    variants.update({f"profile + {kind}": [kind] for kind in types})
    variants["all checks"] = types
    return variants


def child_ours(path: str, data_dir: Path, only: str | None = None) -> dict[str, Any]:
    """The engine with every Satu Data check on, as the validation worker runs it.

    ``only`` (for --breakdown): see ``only_argument``.
    """
    from ckanext.walidata.quality.engine import validate

    satudata = True
    if only is not None:
        satudata = narrow(None if only == "none" else [] if only == "profile"
                          else only.split(","))
    context = check_context(data_dir)
    reports: list[tuple[int, int, int]] = []  # the worker stores each as its heartbeat

    def run() -> dict[str, Any]:
        outcome = validate(path, fmt="csv", schema=SCHEMA, context=context,
                           progress=lambda *report: reports.append(report), satudata=satudata)
        return {"status": outcome.status, "progress_reports": len(reports),
                **_report_facts(outcome.report)}

    return _timed(run)


def child_breakdown(path: str, data_dir: Path, repeat: int) -> dict[str, Any]:
    """CPU seconds of the engine with no check, the profile alone, and the profile plus each.

    A check's cost is (profile + check) - (profile alone): the cross checks read the
    profile, so they cannot run without it. The checklist is narrowed by ``narrow``.
    """
    from ckanext.walidata.quality import engine

    context = check_context(data_dir)
    variants = checklists()
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    rows = 0
    for _attempt in range(repeat):
        for name, kinds in variants.items():  # interleaved, so that noise hits every variant
            satudata = narrow(kinds)
            started = time.process_time()
            outcome = engine.validate(path, fmt="csv", schema=SCHEMA, context=context,
                                      satudata=satudata)
            seconds[name].append(time.process_time() - started)
            rows = outcome.summary.rows
    narrow(None)
    return {"rows": rows, "seconds": {name: min(values) for name, values in seconds.items()},
            "all_seconds": seconds}


def breakdown_table(data: dict[str, Any]) -> str:
    """Each variant's time and what it adds per row over the step it builds on."""
    seconds = data["seconds"]
    rows = data["rows"] or 1
    names = list(seconds)
    base, profile = seconds[names[0]], seconds[names[1]]
    lines = ["| checklist | CPU s | rows/CPU s | added µs/row | added share of no-check time |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name in names:
        if name == names[0]:
            added = 0.0
        elif name in (names[1], names[-1]):
            added = seconds[name] - base
        else:
            added = seconds[name] - profile
        lines.append(f"| {name} | {seconds[name]:.2f} | {rows / seconds[name]:,.0f} "
                     f"| {added / rows * 1e6:+.1f} | {added / base * 100:+.0f} % |")
    return "\n".join(lines)


def code_fingerprint() -> dict[str, Any]:
    """What was measured: a hash of the quality package's sources (the tree may move)."""
    import hashlib

    root = HERE.parent / "ckanext" / "walidata" / "quality"
    digest = hashlib.sha256()
    latest = 0.0
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
        latest = max(latest, path.stat().st_mtime)
    return {"quality_sha256": digest.hexdigest()[:16],
            "quality_modified": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(latest))}


def measure(command: list[str], kind: str) -> dict[str, Any]:
    """Run one measurement in a fresh process; its own peak RSS comes from ``wait4``.

    ru_maxrss carries over exec from the forking parent, which is why the parent stays
    small (it never imports frictionless or CKAN; the data are generated in a child).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode not in (0, 1) or not stdout.strip():  # the CLI exits 1 when invalid
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    data = json.loads(stdout)
    if kind == "cli":  # a frictionless report: its timer excludes the CLI's start-up
        data = {"seconds": data["tasks"][0]["stats"]["seconds"], **_report_facts(data)}
    data["wall_seconds"] = wall
    # ru_maxrss misses the set-up's peak once VmHWM was reset: take the larger of the two.
    data["rss_peak_mb"] = max(usage.ru_maxrss / 1024, data.get("setup_peak_mb", 0.0))
    data["rows_per_second"] = data["rows"] / data["seconds"] if data["seconds"] else 0.0
    if data.get("cpu_seconds"):  # the CLI's CPU time would include its start-up: not kept
        data["cpu_rows_per_second"] = data["rows"] / data["cpu_seconds"]
    return data


def commands(kind: str, path: Path, paths: dict[str, Path], data_dir: Path,
             only: str | None = None) -> list[str]:
    if kind == "cli":
        return [str(FRICTIONLESS_CLI), "validate", "--json", "--trusted", "--format", "csv",
                "--schema", str(paths["schema"]), "--limit-errors", str(LIMIT_ERRORS), str(path)]
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(path),
               "--data-dir", str(data_dir)]
    if kind == "ours" and only is not None:
        command += ["--only", only]
    return command


def count_instructions(command: list[str]) -> tuple[int, int]:
    """Instructions executed (valgrind cachegrind's ``I refs``) and rows read by one child."""
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                           "--cachegrind-out-file=/dev/null", *command],
                          capture_output=True, text=True, check=False)
    match = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"{' '.join(command)} under valgrind failed:\n{done.stderr[-2000:]}")
    return int(match.group(1).replace(",", "")), json.loads(done.stdout)["rows"]


def instruction_counts(runs: dict[str, tuple[list[str], list[str]]]) -> dict[str, Any]:
    """Instructions per row of each run, free of the machine's noise.

    Each run is counted twice, on the file and on its first HEAD_ROWS rows: the difference
    divided by the difference in rows leaves out imports and set-up.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = {(name, which): pool.submit(count_instructions, command)
                   for name, pair in runs.items() for which, command in zip(
                       ("file", "base"), pair, strict=True)}
        counts = {key: future.result() for key, future in futures.items()}
    result = {}
    for name in runs:
        (file_ir, file_rows), (base_ir, base_rows) = counts[name, "file"], counts[name, "base"]
        result[name] = {"per_row": (file_ir - base_ir) / (file_rows - base_rows),
                        "file": [file_ir, file_rows], "base": [base_ir, base_rows]}
    return result


def instructions_table(counts: dict[str, Any]) -> str:
    """Instructions per row; ``plain ÷ run`` is the throughput ratio they predict."""
    plain = counts["plain"]["per_row"]
    lines = ["| run | instructions/row | added over its step | plain ÷ run |",
             "| --- | ---: | ---: | ---: |"]
    steps = [name for name in counts if name.startswith("ours: ")]
    for name, data in counts.items():
        added = ""
        if name in steps[1:]:
            step = steps[0] if name in (steps[1], steps[-1]) else steps[1]
            added = f"{data['per_row'] - counts[step]['per_row']:+,.0f}"
        lines.append(f"| {name} | {data['per_row']:,.0f} | {added} "
                     f"| {plain / data['per_row']:.2f}× |")
    return "\n".join(lines)


# -- output -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(memory, 1),
            "python": platform.python_version(), "frictionless": version("frictionless"),
            "system": platform.platform()}


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest run, with the highest peak RSS of all runs (memory is not noise)."""
    fastest = dict(max(runs, key=lambda run: run["rows_per_second"]))
    for name in ("rss_peak_mb", "validation_peak_mb", "rss_start_mb"):
        if all(name in run for run in runs):
            fastest[name] = max(run[name] for run in runs)
    if "validation_peak_mb" in fastest:
        fastest["validation_growth_mb"] = max(
            run["validation_peak_mb"] - run["rss_start_mb"] for run in runs)
    fastest["runs_rows_per_second"] = [round(run["rows_per_second"]) for run in runs]
    if all("cpu_rows_per_second" in run for run in runs):
        fastest["cpu_rows_per_second"] = max(run["cpu_rows_per_second"] for run in runs)
    return fastest


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| rows | file MB | plain rows/s | CLI rows/s | ours rows/s | ours/plain "
             "| ours/plain, CPU time | peak RSS MB, plain / CLI / ours "
             "| RSS added while validating MB, plain / ours |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for result in results:
        plain, cli, ours = (result.get(kind) for kind in ("plain", "cli", "ours"))

        def rate(run: dict[str, Any] | None) -> str:
            return f"{run['rows_per_second']:,.0f}" if run else "–"

        def mb(run: dict[str, Any] | None, name: str, digits: int = 0) -> str:
            return f"{run[name]:.{digits}f}" if run and name in run else "–"

        ratio = cpu_ratio = "–"
        if plain and ours:
            ratio = f"{ours['rows_per_second'] / plain['rows_per_second']:.2f}×"
            cpu_ratio = f"{ours['cpu_rows_per_second'] / plain['cpu_rows_per_second']:.2f}×"
        peaks = " / ".join(mb(run, "rss_peak_mb") for run in (plain, cli, ours))
        growth = " / ".join(mb(run, "validation_growth_mb", 1) for run in (plain, ours))
        lines.append(f"| {result['rows']:,} | {result['bytes'] / 1e6:,.0f} | {rate(plain)} "
                     f"| {rate(cli)} | {rate(ours)} | {ratio} | {cpu_ratio} | {peaks} "
                     f"| {growth} |")
    return "\n".join(lines)


# -- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--variants", nargs="*", default=["plain", "cli", "ours"],
                        choices=["plain", "cli", "ours"])
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time each check alone (on the smallest file)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions per row under valgrind (smallest file)")
    parser.add_argument("--child", choices=["generate", "plain", "ours", "breakdown",
                                            "checklists"], help=argparse.SUPPRESS)
    parser.add_argument("--only", help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()

    if args.child:  # one measured process: print its figures as JSON
        if args.child == "generate":
            paths = data_files(data_dir, args.rows)
            print(json.dumps({name: str(path) for name, path in paths.items()}))
        elif args.child == "checklists":
            print(json.dumps(checklists()))
        elif args.child == "breakdown":
            print(json.dumps(child_breakdown(args.file, data_dir, args.repeat)))
        elif args.child == "plain":
            print(json.dumps(child_plain(args.file, data_dir)))
        else:
            print(json.dumps(child_ours(args.file, data_dir, args.only)))
        return

    code_before = code_fingerprint()
    generated = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", "generate",
         "--data-dir", str(data_dir), "--rows", *map(str, args.rows)],
        check=True, stdout=subprocess.PIPE, text=True)
    paths = {name: Path(path) for name, path in json.loads(generated.stdout).items()}
    results = []
    for rows in args.rows if args.variants else ():
        path = paths[str(rows)]
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in args.variants}
        for attempt in range(args.repeat):
            for kind in args.variants:  # interleaved, so that noise hits every variant
                run = measure(commands(kind, path, paths, data_dir), kind)
                if run["rows"] != rows:
                    print(f"warning: {kind} read {run['rows']} of {rows} rows "
                          f"({run['warnings']})", file=sys.stderr)
                runs[kind].append(run)
                print(f"{rows:,} rows, {kind} #{attempt + 1}: {run['rows_per_second']:,.0f} "
                      f"rows/s, {run['seconds']:.1f} s, peak RSS {run['rss_peak_mb']:.0f} MB",
                      file=sys.stderr)
        result: dict[str, Any] = {"rows": rows, "file": path.name, "bytes": path.stat().st_size}
        result.update({kind: best(kind_runs) for kind, kind_runs in runs.items()})
        if "plain" in result and "ours" in result:
            plain, ours = result["plain"], result["ours"]
            result["ratio"] = ours["rows_per_second"] / plain["rows_per_second"]
            result["cpu_ratio"] = ours["cpu_rows_per_second"] / plain["cpu_rows_per_second"]
        results.append(result)

    if results and args.variants:
        print(table(results))
    breakdown = None
    if args.breakdown:
        smallest = paths[str(min(args.rows))]
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                               "breakdown", str(smallest), "--data-dir", str(data_dir),
                               "--repeat", str(args.repeat)],
                              check=True, stdout=subprocess.PIPE, text=True)
        breakdown = json.loads(done.stdout)
        breakdown["file"] = smallest.name
        print(f"\nPer check, {breakdown['rows']:,} rows (best of {args.repeat}):\n")
        print(breakdown_table(breakdown))
    instructions = None
    if args.instructions:
        smallest = paths[str(min(args.rows))]
        runs = {kind: (commands(kind, smallest, paths, data_dir),
                       commands(kind, paths["head"], paths, data_dir))
                for kind in ("plain", "ours")}
        if args.breakdown:
            listed = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                                     "checklists"], check=True, stdout=subprocess.PIPE, text=True)
            for name, kinds in json.loads(listed.stdout).items():
                only = only_argument(kinds)
                runs[f"ours: {name}"] = (
                    commands("ours", smallest, paths, data_dir, only),
                    commands("ours", paths["head"], paths, data_dir, only))
        instructions = instruction_counts(runs)
        print(f"\nInstructions per row (valgrind), {smallest.name}:\n")
        print(instructions_table(instructions))
    code = code_fingerprint()
    if code != code_before:
        print(f"warning: ckanext/walidata/quality changed during the run ({code_before} → "
              f"{code}): the figures mix two versions", file=sys.stderr)
        code["at_start"] = code_before
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(
            {"machine": machine(), "code": code,
             "command": [Path(sys.argv[0]).name, *sys.argv[1:]], "repeat": args.repeat,
             "results": results, "breakdown": breakdown, "instructions": instructions},
            indent=1))


if __name__ == "__main__":
    main()
