"""Portal load: 28 municipalities x 3 subsidies uploading at once to ``gosprog serve`` on 127.0.0.1.

``python bench/portal_load.py [--database-url URL] [--rounds N]`` (default SQLite in a temporary folder).

1. A copy of the default data with an agreement for every municipality and subsidy (84 forms; sample
   amounts sized to stay within the subprogram's financing), and 28 municipality accounts.
2. A uvicorn server (one process) on a free loopback port.
3. Each municipality logs in, downloads its three pre-filled forms and fills them with openpyxl (untimed).
4. Baseline: the same kind of upload one at a time (a fresh period each, so nothing collides): per-request
   times with no concurrency.
5. Load: all 84 uploads released together from 84 threads; every response time recorded.
6. Checks: every upload recorded exactly once (84 accepted rows, version 1, one per municipality and
   subsidy), every archived file present with its sha256, the audit log holding exactly one upload line
   per request. Prints p50/p95/max and the p95 ratio against the baseline; writes
   bench/portal-load-<sqlite or postgresql>.json.

Bounded: every request has a 120 s timeout, the server is stopped in all cases. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "data" / "social-support-vologda"
KOP = Decimal("0.01")
AMOUNTS = {"camps": Decimal("200000.00"), "education": Decimal("140000.00"), "housing": Decimal("180000.00")}
PASSWORD = "Load-test-password-1"


def synthetic_data(folder: Path) -> Path:
    """A copy of the default data whose 2021 agreements cover every municipality and subsidy."""
    import yaml
    target = folder / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("output", "editions"))
    subsidies = yaml.safe_load((target / "subsidies" / "subsidies.yaml").read_text(encoding="utf-8"))["items"]
    munis = yaml.safe_load((target / "subsidies" / "municipalities.yaml").read_text(encoding="utf-8"))["items"]
    agreements = []
    for s in subsidies:
        results = {r["id"]: 1 for r in s["results"]}
        for i, m in enumerate(munis, start=1):
            co = s.get("cofinancing") or {}
            level = (co.get("fixed") or {}).get(m["code"])
            cap = co.get("max_level")
            if level is None:
                level = (cap.get(m["kind"]) if isinstance(cap, dict) else cap) or 90
            level = Decimal(str(level))
            amount = AMOUNTS[s["id"]]
            local = (amount * (100 - level) / level).quantize(KOP)
            agreements.append({"subsidy": s["id"], "municipality": m["code"], "number": f"L-{s['id'][:3]}-{i:02d}",
                               "date": dt.date(2021, 2, 10), "subsidy_amount": float(amount), "level": float(level),
                               "local_amount": float(local), "results": dict(results)})
    (target / "subsidies" / "sample" / "submissions-2021.yaml").unlink(missing_ok=True)
    (target / "subsidies" / "sample" / "agreements-2021.yaml").write_text(
        yaml.safe_dump({"sample": True, "year": 2021, "agreements": agreements}, allow_unicode=True), encoding="utf-8")
    return target


def fill(form: bytes, spec, agreement) -> bytes:
    from openpyxl import load_workbook
    from generator.quarterly.forms import SHEET, FormLayout
    layout = FormLayout(spec)
    wb = load_workbook(io.BytesIO(form))
    ws = wb[SHEET]
    level = agreement.level
    if spec.rows:          # the expense report
        received = (agreement.subsidy_amount / 2).quantize(KOP)
        used = (received * Decimal("0.8")).quantize(KOP)
        local_used = (used * (100 - level) / level).quantize(KOP, rounding=ROUND_CEILING) + KOP
        values = {"regional": {"received": received, "used": used},
                  "local": {"received": local_used + 1000, "used": local_used},
                  "extra": {"received": 0, "used": 0}}
    else:                  # form 1: two activities
        values = {}
        for i in range(2):
            planned = (agreement.subsidy_amount / 2).quantize(KOP, rounding="ROUND_DOWN")
            received = (planned / 2).quantize(KOP)
            used = (received / 2).quantize(KOP)
            mun = (used * (100 - level) / level).quantize(KOP, rounding=ROUND_CEILING) + KOP
            values[f"r{i + 1}"] = {"activity": f"Мероприятие {i + 1}", "organisation": f"Школа N {i + 1}",
                                   "planned_fed": 0, "planned_reg": planned, "planned_mun": mun * 4,
                                   "received_fed": 0, "received_reg": received, "received_mun": mun * 2,
                                   "contract": planned + mun * 4, "used_fed": 0, "used_reg": used, "used_mun": mun}
    for row, cols in values.items():
        for col, value in cols.items():
            cell = ws[layout.ref(row, col)]
            if isinstance(value, str):
                cell.value, cell.data_type = value, "s"
            else:
                cell.value = float(value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def token_of(html: str) -> str:
    import re
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    args = parser.parse_args(argv)
    import httpx
    from argon2 import PasswordHasher
    from generator.portal import accounts
    from generator.portal import quarterly as q
    from generator.portal.db import AuditEntry, SubmissionRow, make_engine, sessions, upgrade

    work = Path(tempfile.mkdtemp(prefix="gosprog-load-"))
    server = None
    try:
        data_dir = synthetic_data(work)
        program, subsidies = q.load(data_dir)
        munis = sorted(subsidies.municipalities)
        url = args.database_url or f"sqlite:///{work / 'portal' / 'portal.sqlite'}"
        (work / "portal").mkdir()
        engine = make_engine(url)
        upgrade(engine)
        factory = sessions(engine)
        # the accounts' Argon2 cost is not what this bench measures: a light profile (hashes carry their cost)
        accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        with factory.begin() as db:
            for code in munis:
                accounts.add(db, f"mo-{code}", PASSWORD, "municipality", code, subsidies.municipalities)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "GOSPROG_PORTAL_DIR": str(work / "portal"), "GOSPROG_DATABASE_URL": url,
               "GOSPROG_TODAY": "2022-01-05", "GOSPROG_SESSION_KEY": "load-test-secret-" + "x" * 32}
        server = subprocess.Popen([sys.executable, "-m", "generator", "serve", str(data_dir), "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=open(work / "server.log", "wb"))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not start: " + (work / "server.log").read_text()[-2000:])

        clients, jobs = {}, []
        for code in munis:                      # untimed: log in, download and fill the forms
            client = httpx.Client(base_url=base, timeout=120, follow_redirects=True)
            page = client.get("/login")
            assert client.post("/login", data={"login": f"mo-{code}", "password": PASSWORD,
                                               "csrf_token": token_of(page.text)}).status_code == 200
            clients[code] = client
            for sid in sorted(subsidies.subsidies):
                for quarter in (1, 2, 3, 4):
                    form = client.get(f"/mo/{code}/forms/{sid}/2021/{quarter}")
                    assert form.status_code == 200, form.text[:300]
                    filled = fill(form.content, subsidies.form_of(sid), subsidies.agreement(sid, code, 2021))
                    jobs.append((code, sid, quarter, filled))
        tokens = {code: token_of(c.get(f"/mo/{code}").text) for code, c in clients.items()}

        def send(job):
            code, sid, quarter, content = job
            started = time.perf_counter()
            response = clients[code].post(f"/mo/{code}/submit/{sid}/2021/{quarter}",
                                          data={"csrf_token": tokens[code]},
                                          files={"file": (f"{sid}-{code}.xlsx", content, q.FORMATS["xlsx"])})
            elapsed = time.perf_counter() - started
            return code, sid, quarter, response.status_code, "Принят" in response.text, elapsed

        baseline_jobs = [j for j in jobs if j[2] == 4][:12]          # quarter 4, one at a time
        baseline = [send(j) for j in baseline_jobs]
        load_jobs = [j for j in jobs if j[2] == 1]                   # quarter 1: 28 x 3 at once
        barrier = threading.Barrier(len(load_jobs))

        def together(job):
            barrier.wait(timeout=60)
            return send(job)

        started = time.perf_counter()
        with cf.ThreadPoolExecutor(max_workers=len(load_jobs)) as pool:
            results = list(pool.map(together, load_jobs))
        wall = time.perf_counter() - started

        # checks: every upload recorded exactly once, registry and archive consistent
        failures = [r for r in results + baseline if r[3] != 200 or not r[4]]
        with factory() as db:
            rows = list(db.query(SubmissionRow).filter(SubmissionRow.quarter == 1))
            uploads = db.query(AuditEntry).filter(AuditEntry.action == "upload").count()
            all_rows = db.query(SubmissionRow).count()
        keys = [(r.subsidy, r.municipality) for r in rows]
        problems = []
        if failures:
            problems.append(f"{len(failures)} uploads not accepted: {failures[:3]}")
        if len(rows) != len(load_jobs) or len(set(keys)) != len(load_jobs):
            problems.append(f"{len(rows)} rows for {len(load_jobs)} uploads ({len(set(keys))} distinct)")
        if any(r.status != "accepted" or r.version != 1 for r in rows):
            problems.append("a row is not accepted version 1")
        for r in rows:
            stored = work / "portal" / r.stored_as
            if not stored.exists() or hashlib.sha256(stored.read_bytes()).hexdigest() != r.sha256:
                problems.append(f"archive mismatch for row {r.id}")
        archived = [p for p in (work / "portal" / "archive").rglob("*.xlsx")]
        if len(archived) != all_rows:
            problems.append(f"{len(archived)} archived files for {all_rows} rows")
        if uploads != len(results) + len(baseline):
            problems.append(f"{uploads} audit lines for {len(results) + len(baseline)} uploads")

        times = [r[5] for r in results]
        base_times = [r[5] for r in baseline]
        report = {
            "database": url.split("://")[0].split("+")[0], "uploads": len(results), "wall_s": round(wall, 2),
            "p50_s": round(statistics.median(times), 3), "p95_s": round(percentile(times, 95), 3),
            "max_s": round(max(times), 3), "baseline_mean_s": round(statistics.mean(base_times), 3),
            "baseline_p95_s": round(percentile(base_times, 95), 3),
            "p95_vs_single": round(percentile(times, 95) / statistics.mean(base_times), 1),
            "throughput_per_s": round(len(results) / wall, 1),
            "recorded_exactly_once": not problems, "problems": problems,
            "cpus": os.cpu_count(), "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        out = BENCH / f"portal-load-{report['database']}.json"
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        for c in clients.values():
            c.close()
        return 0 if not problems else 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
