"""Validation benchmark: the Satu Data checks against plain frictionless on large CSVs.

Generates (once, cached under ``--data-dir``) seeded regional-statistics tables of NTT
(``kode_wilayah,nama_wilayah,tahun,laki_laki,perempuan,jumlah,persentase``, the real
kecamatan and desa codes ``53.xx.xx[.xxxx]``) and validates each file, in the same run:

* ``plain``: ``frictionless.Resource(path, schema=...).validate()`` in a trusted context;
* ``cli``: ``frictionless validate --json --trusted --schema ...`` (the same thing, as a
  command);
* ``ours``: ``ckanext.walidata.quality.engine.validate`` with every Satu Data check on and a
  filled ``CheckContext`` (reference lists, a previous period, one peer agency).

Every measurement runs in a fresh process, so its peak RSS (``wait4``) is its own.
Throughput is rows over the seconds of the validation call (import time excluded; for the
CLI, the report's own timer). ``--repeat N`` keeps the best throughput and the highest RSS.

    .venv/bin/python bench/validate.py --rows 100000            # quick check
    .venv/bin/python bench/validate.py --json bench/results/validate.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
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
        else:
            _write(path, main_rows(regions, base, int(name)))
        print(f"generated {path.name}: {path.stat().st_size / 1e6:.0f} MB in "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    return paths


# -- the measured processes ---------------------------------------------------------------


def _rss_mb() -> float:
    """This process's peak RSS so far (VmHWM: unlike ru_maxrss, it starts afresh at exec)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report_facts(report: dict[str, Any]) -> dict[str, Any]:
    task = report["tasks"][0]
    return {"rows": int(task["stats"].get("rows") or 0), "valid": report["valid"],
            "errors": len(task["errors"]), "warnings": task["warnings"],
            "error_types": dict(Counter(e["type"] for e in task["errors"]))}


def child_plain(path: str) -> dict[str, Any]:
    """Plain frictionless, as the engine calls it but without the Satu Data checklist."""
    import frictionless
    from frictionless import Resource, Schema

    rss_before = _rss_mb()
    started = time.perf_counter()
    with frictionless.system.use_context(trusted=True):
        report = Resource(path, format="csv", schema=Schema.from_descriptor(SCHEMA)).validate(
            limit_errors=LIMIT_ERRORS)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_before_mb": rss_before, "vmhwm_mb": _rss_mb(),
            **_report_facts(report.to_descriptor())}


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


def child_ours(path: str, data_dir: Path) -> dict[str, Any]:
    """The engine with every Satu Data check on, as the validation worker runs it."""
    from ckanext.walidata.quality.engine import validate

    context = check_context(data_dir)
    rss_before = _rss_mb()
    started = time.perf_counter()
    outcome = validate(path, fmt="csv", schema=SCHEMA, context=context, progress=None)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_before_mb": rss_before, "vmhwm_mb": _rss_mb(),
            "status": outcome.status, **_report_facts(outcome.report)}


def child_breakdown(path: str, data_dir: Path, repeat: int) -> dict[str, Any]:
    """Seconds of the engine with no check, the profile alone, and the profile plus each check.

    A check's cost is (profile + check) - (profile alone): the cross checks read the
    profile, so they cannot run without it. The checklist is narrowed by wrapping the
    engine's ``satudata_checks``; the checks themselves run unchanged.
    """
    from ckanext.walidata.quality import columns, engine
    from ckanext.walidata.quality.profile import ProfileBuilder

    context = check_context(data_dir)
    original = engine.satudata_checks
    cols = columns.detect(SCHEMA, unit=context.unit)
    types = [check.type for check in original(cols, context, ProfileBuilder(cols))]
    variants: dict[str, frozenset[str] | None] = {"no checks": None, types[0]: frozenset(types[:1])}
    variants.update({f"{types[0]} + {kind}": frozenset((types[0], kind)) for kind in types[1:]})
    variants["all checks"] = frozenset(types)
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    rows = 0
    for _attempt in range(repeat):
        for name, kinds in variants.items():  # interleaved, so that noise hits every variant
            def narrowed(cols: Any, ctx: Any, builder: Any, kinds: Any = kinds) -> list:
                return [check for check in original(cols, ctx, builder) if check.type in kinds]

            engine.satudata_checks = narrowed
            started = time.perf_counter()
            outcome = engine.validate(path, fmt="csv", schema=SCHEMA, context=context,
                                      satudata=kinds is not None)
            seconds[name].append(time.perf_counter() - started)
            rows = outcome.summary.rows
    engine.satudata_checks = original
    return {"rows": rows, "seconds": {name: min(values) for name, values in seconds.items()},
            "all_seconds": seconds}


def breakdown_table(data: dict[str, Any]) -> str:
    """Each variant's time and what it adds per row over the step it builds on."""
    seconds = data["seconds"]
    rows = data["rows"] or 1
    names = list(seconds)
    base, profile = seconds[names[0]], seconds[names[1]]
    lines = ["| checklist | seconds | rows/s | added µs/row | added share of no-check time |",
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
    data.update(wall_seconds=wall, rss_peak_mb=usage.ru_maxrss / 1024)
    data["rows_per_second"] = data["rows"] / data["seconds"] if data["seconds"] else 0.0
    return data


def commands(kind: str, path: Path, paths: dict[str, Path], data_dir: Path) -> list[str]:
    if kind == "cli":
        return [str(FRICTIONLESS_CLI), "validate", "--json", "--trusted", "--format", "csv",
                "--schema", str(paths["schema"]), "--limit-errors", str(LIMIT_ERRORS), str(path)]
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(path),
            "--data-dir", str(data_dir)]


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
    fastest["rss_peak_mb"] = max(run["rss_peak_mb"] for run in runs)
    fastest["runs_rows_per_second"] = [round(run["rows_per_second"]) for run in runs]
    return fastest


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| rows | file MB | plain rows/s | CLI rows/s | ours rows/s | ours/plain "
             "| plain peak RSS MB | CLI peak RSS MB | ours peak RSS MB |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for result in results:
        plain, cli, ours = (result.get(kind) for kind in ("plain", "cli", "ours"))

        def rate(run: dict[str, Any] | None) -> str:
            return f"{run['rows_per_second']:,.0f}" if run else "–"

        def rss(run: dict[str, Any] | None) -> str:
            return f"{run['rss_peak_mb']:.0f}" if run else "–"

        ratio = (f"{ours['rows_per_second'] / plain['rows_per_second']:.2f}×"
                 if plain and ours else "–")
        lines.append(f"| {result['rows']:,} | {result['bytes'] / 1e6:,.0f} | {rate(plain)} "
                     f"| {rate(cli)} | {rate(ours)} | {ratio} | {rss(plain)} | {rss(cli)} "
                     f"| {rss(ours)} |")
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
    parser.add_argument("--child", choices=["generate", "plain", "ours", "breakdown"],
                        help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data_dir = args.data_dir.resolve()

    if args.child:  # one measured process: print its figures as JSON
        if args.child == "generate":
            paths = data_files(data_dir, args.rows)
            print(json.dumps({name: str(path) for name, path in paths.items()}))
        elif args.child == "breakdown":
            print(json.dumps(child_breakdown(args.file, data_dir, args.repeat)))
        elif args.child == "plain":
            print(json.dumps(child_plain(args.file)))
        else:
            print(json.dumps(child_ours(args.file, data_dir)))
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
            result["ratio"] = result["ours"]["rows_per_second"] / result["plain"][
                "rows_per_second"]
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
             "results": results, "breakdown": breakdown}, indent=1))


if __name__ == "__main__":
    main()
