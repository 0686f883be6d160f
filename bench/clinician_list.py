"""Clinician dashboard load figure: list and filter with 10,000 stored conversations.

    .venv/bin/python bench/clinician_list.py                 # SQLite file in a temp folder
    .venv/bin/python bench/clinician_list.py --postgres      # a temporary PostgreSQL database

Builds Rasa's ``events`` table with Rasa's own SQLTrackerStore, fills it with realistic
conversations (about 40 events each, as the real stack writes them), builds the summary
table once, then times each request through the real gateway app (TestClient: routing,
session check, audit write and JSON included; no network). Prints medians and 95th
percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from bot.settings import Settings
from clinician import summary
from clinician.accounts import create_account
from clinician.migrate import upgrade
from tests.clinician.factory import create_events_table, insert, realistic

QUERIES = {
    "list, page 1": "",
    "level=emergency": "level=emergency",
    "symptom=headache": "symptom=headache",
    "flagged=true": "flagged=true",
    "since/until (30 days)": "since={since}&until={until}",
    "q=hip (text search)": "q=hip",
    "level+symptom+dates": "level=urgent&level=soon&symptom=fatigue&since={since}&until={until}",
    "page 150": "page=150",
}


def main() -> None:
    """Parse the options and run the benchmark on SQLite or on a throwaway Postgres database."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="clinician-bench-"))
    pg_name = None
    if args.postgres:
        import psycopg2

        pg_name = f"clinician_bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
        admin.autocommit = True
        admin.cursor().execute(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql://postgres@127.0.0.1:5432/{pg_name}"
    else:
        url = f"sqlite:///{tmp / 'rasa.db'}"
    try:
        run(url, tmp, args)
    finally:
        if pg_name:
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def run(url: str, tmp: Path, args: argparse.Namespace) -> None:
    """Fill the store with conversations; print median and p95 ms of each clinician-list query."""
    create_events_table(url)
    engine = sa.create_engine(url)
    upgrade(engine)
    rng = random.Random(20261125)
    now = time.time()
    started = time.perf_counter()
    convs = [
        realistic(f"bench-{i:06d}", now - rng.uniform(0, 180) * 86400, rng)
        for i in range(args.conversations)
    ]
    insert(engine, convs)
    n_events = sum(len(c.rows) for c in convs)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # what autovacuum does soon after a bulk insert
            conn.execute(sa.text("ANALYZE events"))
    print(
        f"store: {url.split('://')[0]}, {args.conversations} conversations, "
        f"{n_events} events (filled in {time.perf_counter() - started:.1f} s)"
    )
    started = time.perf_counter()
    summary.refresh(engine)
    print(f"first summary build: {time.perf_counter() - started:.1f} s (once; then incremental)")

    create_account(engine, "bench", "bench-passphrase-123", "clinician")
    settings = Settings(state_dir=tmp, tracker_store_url=url)
    since = time.strftime("%Y-%m-%d", time.gmtime(now - 30 * 86400))
    until = time.strftime("%Y-%m-%d", time.gmtime(now))
    with TestClient(create_app(settings)) as client:
        r = client.post(
            "/api/v1/clinician/login",
            json={"username": "bench", "password": "bench-passphrase-123"},
        )
        assert r.status_code == 200
        print(f"{'request':<24} {'matches':>8} {'median ms':>10} {'p95 ms':>8}")
        for label, query in QUERIES.items():
            path = "/api/v1/clinician/conversations?" + query.format(since=since, until=until)
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                r = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(
                f"{label:<24} {r.json()['total']:>8} {statistics.median(times):>10.1f} {p95:>8.1f}"
            )
        # A new conversation arriving between two list requests (incremental refresh).
        extra = realistic("bench-new", now, rng)
        insert(engine, [extra])
        t0 = time.perf_counter()
        r = client.get("/api/v1/clinician/conversations")
        print(
            f"{'list after new events':<24} {r.json()['total']:>8} "
            f"{(time.perf_counter() - t0) * 1000:>10.1f}"
        )
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            client.get("/clinician")
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{'dashboard page (HTML)':<24} {'':>8} {statistics.median(times):>10.1f}")
    engine.dispose()


if __name__ == "__main__":
    main()
