"""Load benchmark of the public transparency pages (issue 7), on PostgreSQL under gunicorn.

What it measures, in one run against one database of N applications (``manage.py seed_bench``):

* requests/s and p99 latency of the status lookup's JSON API (``/api/v1/public/applications/<n>/``),
  of its HTML page with the timeline (``/lookup/<n>/``) and of a minimal baseline Django view that
  fetches one application by number through the ORM (``/bench/baseline/<n>/``, only in
  ``bench/urls_bench.py``), each for random numbers, in alternating rounds;
* the list page's time (``/applications/``): first pages with and without filters and deep pages
  reached by keyset cursors, one request at a time, median and p99.

The server is gunicorn with 2 sync workers on a loopback port (``bench/settings_bench.py``:
production settings, rate limits raised). The load comes from ``wrk`` if it is installed
(``apt-get install wrk``), else from the Python generator below (threads + ``http.client``); both
are bounded in time, and the Python one in requests too. Results go to
``bench/results/public-<N>.json``; when the file of another size exists, the list page's ratio is
printed (target: the list at 1,000,000 rows within 1.5× of the list at 10,000).

    .venv/bin/python bench/bench_public.py --applications 10000
    .venv/bin/python bench/bench_public.py --applications 1000000      # seeds once, ~1 h

The database ``xuke_bench_public_<N>`` on the server of ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``) is created, migrated and seeded if needed, and kept
for the next run (``--drop`` removes it at the end).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
RESULTS = ROOT / "bench" / "results"
TARGETS = {"json_vs_baseline": 0.8, "html_vs_baseline": 0.5, "list_1m_vs_10k": 1.5}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# Database


def database_urls(base: str, name: str) -> tuple[str, str]:
    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))
    bench = urlunsplit(parts._replace(path=f"/{name}"))
    return admin, bench


def ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *args: str) -> None:
    subprocess.run([str(PYTHON), str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True)


def count_bench_rows(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM licensing_application WHERE number LIKE 'BX-%%'").fetchone()[0]


def sample_numbers(url: str, k: int, seed: int) -> list[str]:
    """``k`` application numbers spread over the whole table (no ORDER BY random() scan)."""
    import psycopg

    rng = random.Random(seed)
    with psycopg.connect(url) as conn:
        lo, hi = conn.execute("SELECT min(id), max(id) FROM licensing_application").fetchone()
        ids = sorted({rng.randint(lo, hi) for _ in range(k * 2)})
        rows = conn.execute(
            "SELECT number FROM licensing_application WHERE id = ANY(%s) AND received_at IS NOT NULL", (ids,)
        ).fetchall()
    numbers = [r[0] for r in rows]
    rng.shuffle(numbers)
    return numbers[:k]


def list_paths(url: str, seed: int) -> dict[str, list[str]]:
    """List-page requests: first pages with each filter, and deep pages by keyset cursor at
    positions spread over the whole list (positions found once here with OFFSET; the page never
    uses OFFSET)."""
    import base64

    import psycopg

    rng = random.Random(seed)
    with psycopg.connect(url) as conn:
        agencies = [r[0] for r in conn.execute("SELECT code FROM licensing_agency WHERE code LIKE 'bench-ag-%%'")]
        items = [r[0] for r in conn.execute("SELECT code FROM licensing_licenceitem WHERE code LIKE 'bench-item-%%'")]
        total = conn.execute("SELECT count(*) FROM licensing_application WHERE received_at IS NOT NULL").fetchone()[0]
        cursors = []
        for fraction in (0.1, 0.3, 0.5, 0.7, 0.9, 0.99):
            row = conn.execute(
                "SELECT received_at, id FROM licensing_application WHERE received_at IS NOT NULL "
                "ORDER BY received_at DESC, id DESC OFFSET %s LIMIT 1",
                (int(total * fraction),),
            ).fetchone()
            raw = f"{row[0].isoformat()}|{row[1]}".encode()
            cursors.append(base64.urlsafe_b64encode(raw).decode().rstrip("="))
        year = conn.execute("SELECT extract(year FROM max(received_at))::int FROM licensing_application").fetchone()[0]
    first = ["/applications/"]
    first += [f"/applications/?agency={rng.choice(agencies)}" for _ in range(3)]
    first += [f"/applications/?item={rng.choice(items)}" for _ in range(3)]
    first += ["/applications/?status=under_examination", "/applications/?overdue=on", f"/applications/?year={year - 1}",
              f"/applications/?agency={agencies[0]}&status=certificate_issued&year={year - 1}"]
    deep = [f"/applications/?after={c}" for c in cursors]
    deep += [f"/applications/?agency={agencies[1]}&after={c}" for c in cursors[:3]]
    return {"first": first, "deep": deep}


# ------------------------------------------------------------------------------------------------
# Server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(GUNICORN), "config.wsgi", "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = get(port, "/lookup/")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not come up")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------------
# Load generators


def run_wrk(port: int, paths: list[str], seconds: int, connections: int) -> dict:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    quoted = ",\n".join(json.dumps(p) for p in paths)
    script.write(
        "local paths = {\n" + quoted + "\n}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[(i % #paths) + 1], "
        "{['Host'] = '127.0.0.1'})\nend\n"
        "local bad = 0\nresponse = function(status, headers, body)\n  if status ~= 200 then bad = bad + 1 end\nend\n"
    )
    script.close()
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", "-s", script.name,
             f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(0) if errors else "", "tool": "wrk"}


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_python(port: int, paths: list[str], seconds: int, connections: int, max_requests: int = 200_000) -> dict:
    """Threads, each sending requests one after another with ``http.client``; bounded by time
    and by ``max_requests`` in all."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    counter = iter(range(max_requests))

    def worker(offset: int) -> None:
        local, bad = [], 0
        i = offset
        while time.monotonic() < stop_at:
            try:
                next(counter)
            except StopIteration:
                break
            path = paths[i % len(paths)]
            i += connections
            started = time.perf_counter()
            try:
                status, _ = get(port, path)
            except OSError:
                status = 0
            local.append(time.perf_counter() - started)
            bad += status != 200
        with lock:
            latencies.extend(local)
            failures[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1], "non_2xx": failures[0], "tool": "python"}


def timed(port: int, paths: list[str], repeat: int) -> dict:
    """One request at a time: per-request wall time, median and p99 (ms)."""
    times = []
    for _ in range(repeat):
        for path in paths:
            started = time.perf_counter()
            status, _ = get(port, path)
            times.append(1000 * (time.perf_counter() - started))
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
    times.sort()
    return {"median_ms": statistics.median(times), "p99_ms": times[max(int(len(times) * 0.99) - 1, 0)],
            "mean_ms": statistics.fmean(times), "requests": len(times)}


# ------------------------------------------------------------------------------------------------


def list_only(env: dict, url: str, rows: int) -> int:
    """Time the list page on the database as it stands (``rows`` applications)."""
    lists = list_paths(url, seed=rows)
    port = free_port()
    server = start_gunicorn(env, port)
    try:
        timed(port, lists["first"] + lists["deep"], repeat=1)
        result = {"rows": rows, "first_pages": timed(port, lists["first"], repeat=10),
                  "deep_pages": timed(port, lists["deep"], repeat=10),
                  "all": timed(port, lists["first"] + lists["deep"], repeat=5)}
    finally:
        stop(server)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"public-list-{rows}.json").write_text(json.dumps(result, indent=2))
    print(f"\n== list page on {rows:,} applications")
    for key in ("first_pages", "deep_pages", "all"):
        r = result[key]
        print(f"list {key:>11}: median {r['median_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms"
              f"   ({r['requests']} requests)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=15, help="Duration of each load measurement.")
    parser.add_argument("--rounds", type=int, default=2, help="Alternating rounds of the three lookups.")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--seed-only", action="store_true", help="Create and seed the database, then stop.")
    parser.add_argument("--drop", action="store_true", help="Drop the database at the end.")
    parser.add_argument(
        "--list-only", action="store_true",
        help="Only time the list page, on the database as it is (e.g. while a large seed is still running).",
    )
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"xuke_bench_public_{args.applications}"
    admin_url, url = database_urls(base, name)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings_bench", "DEBUG": "0",
           "PYTHONPATH": str(ROOT)}
    ensure_database(admin_url, name)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    have = count_bench_rows(url)
    if args.list_only:
        return list_only(env, url, have)
    if have < args.applications:
        log(f"seeding {args.applications - have:,} applications into {name}")
        started = time.monotonic()
        manage(env, "seed_bench", "--applications", str(args.applications - have))
        log(f"seeded in {time.monotonic() - started:.0f} s")
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    if args.seed_only:
        return 0

    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    load = run_wrk if tool == "wrk" else run_python
    numbers = sample_numbers(url, 2000, seed=args.applications)
    scenarios = {
        "baseline": [f"/bench/baseline/{n}/" for n in numbers],
        "json": [f"/api/v1/public/applications/{n}/" for n in numbers],
        "html": [f"/lookup/{n}/" for n in numbers],
    }
    lists = list_paths(url, seed=args.applications)
    port = free_port()
    server = start_gunicorn(env, port)
    results: dict = {"applications": args.applications, "tool": tool, "connections": args.connections,
                     "seconds": args.seconds, "rounds": args.rounds, "lookups": {}, "list": {}}
    try:
        log("warming up")
        for paths in scenarios.values():
            run_python(port, paths[:200], seconds=3, connections=2, max_requests=400)
        timed(port, lists["first"] + lists["deep"], repeat=1)
        runs: dict[str, list[dict]] = {k: [] for k in scenarios}
        for round_no in range(args.rounds):
            order = list(scenarios) if round_no % 2 == 0 else list(reversed(scenarios))
            for key in order:
                log(f"round {round_no + 1}: {key}")
                runs[key].append(load(port, scenarios[key], args.seconds, args.connections))
        for key, measured in runs.items():
            results["lookups"][key] = {
                "rps": statistics.fmean(m["rps"] for m in measured),
                "p99_ms": statistics.fmean(m["p99_ms"] for m in measured),
                "p50_ms": statistics.fmean(m["p50_ms"] for m in measured),
                "non_2xx": sum(m["non_2xx"] for m in measured),
                "runs": measured,
            }
        log("list page")
        results["list"]["first_pages"] = timed(port, lists["first"], repeat=10)
        results["list"]["deep_pages"] = timed(port, lists["deep"], repeat=10)
        results["list"]["all"] = timed(port, lists["first"] + lists["deep"], repeat=5)
    finally:
        stop(server)

    base_rps = results["lookups"]["baseline"]["rps"]
    results["ratios"] = {
        "json_vs_baseline": results["lookups"]["json"]["rps"] / base_rps,
        "html_vs_baseline": results["lookups"]["html"]["rps"] / base_rps,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"public-{args.applications}.json").write_text(json.dumps(results, indent=2))
    print(f"\n== {args.applications:,} applications, {tool}, {args.connections} connections, "
          f"{args.rounds}×{args.seconds} s per scenario, gunicorn 2 sync workers")
    for key in scenarios:
        r = results["lookups"][key]
        print(f"{key:>9}: {r['rps']:8.1f} req/s   p50 {r['p50_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms"
              f"   non-2xx {r['non_2xx']}")
    for key, target in (("json_vs_baseline", 0.8), ("html_vs_baseline", 0.5)):
        value = results["ratios"][key]
        print(f"{key}: {value:.2f}× (target ≥ {target}×) {'OK' if value >= target else 'MISSED'}")
    for key in ("first_pages", "deep_pages", "all"):
        r = results["list"][key]
        print(f"list {key:>11}: median {r['median_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms"
              f"   ({r['requests']} requests)")
    small, large = RESULTS / "public-10000.json", RESULTS / "public-1000000.json"
    if small.exists() and large.exists():
        a = json.loads(small.read_text())["list"]["all"]["median_ms"]
        b = json.loads(large.read_text())["list"]["all"]["median_ms"]
        print(f"list at 1,000,000 vs 10,000 rows (median): {b:.1f} / {a:.1f} ms = {b / a:.2f}× "
              f"(target ≤ 1.5×) {'OK' if b / a <= 1.5 else 'MISSED'}")
    if args.drop:
        drop_database(admin_url, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
