"""``make bench-dashboard``: page load times of every dashboard page with the demo activity.

Loads the demo data (``interhub db seed --demo``) into a fresh SQLite file (or ``BENCH_DATABASE_URL``,
e.g. a PostgreSQL database, seeded if needed), serves it with ``interhub web`` and requests each page
``BENCH_LOADS`` times (default 20) over HTTP, signed in as an admin (all countries) and as a partner for
Italy and Germany; prints p50 and p95 per page, in milliseconds, from request to the last byte.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from actions.reports.pages import PAGES
from tests.web.demo_site import ADMIN, PARTNER, PASSWORD, Site, demo_database, serve

CSRF = 'name="csrf" value="'


def signed_in(site: Site, email: str) -> httpx.Client:
    """An HTTP client with a session, signed in through the form."""
    client = httpx.Client(base_url=site.url, timeout=60)
    page = client.get("/login").text
    token = page.split(CSRF, 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf": token})
    assert response.status_code == 303, response.text
    return client


def timings(client: httpx.Client, path: str, loads: int) -> list[float]:
    """Milliseconds for each of ``loads`` sequential requests (after one warm-up)."""
    assert client.get(path).status_code == 200, path
    spent = []
    for _ in range(loads):
        start = time.perf_counter()
        response = client.get(path)
        spent.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, path
    return spent


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    loads = int(os.environ.get("BENCH_LOADS", "20"))
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        url = demo_database(Path(folder), os.environ.get("BENCH_DATABASE_URL"))
        print(f"demo data loaded in {time.perf_counter() - started:.0f} s ({url.split('://')[0]})")
        with serve(url, Path(folder)) as site:
            admin, partner = signed_in(site, ADMIN), signed_in(site, PARTNER)
            print(f"{loads} loads per page, milliseconds (p50 / p95)")
            print(f"{'page':15} {'admin, all countries':>22} {'partner, IT + DE':>18}")
            for key in PAGES:
                mine = timings(admin, f"/{key}", loads)
                theirs = timings(partner, f"/{key}", loads)
                print(
                    f"{key:15} {statistics.median(mine):>12.0f} / {p95(mine):<7.0f}"
                    f" {statistics.median(theirs):>10.0f} / {p95(theirs):<7.0f}"
                )
            csv_times = timings(admin, "/questions.csv?table=by_topic", loads)
            print(f"{'questions.csv':15} {statistics.median(csv_times):>12.0f} / {p95(csv_times):<7.0f}")
            admin.close()
            partner.close()


if __name__ == "__main__":
    main()
