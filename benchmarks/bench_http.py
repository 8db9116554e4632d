"""Storage on the request path: our ``WsgiApp`` on SQLite under gunicorn, beside a hand-written view.

A SQLite file of 1,000 projects (a third override something; each has one to three
repositories with their branch patterns; some limit environments) is served by gunicorn
(``gthread``, one worker, two threads, keep-alive) in servers started side by side:

- ``ours``: ``WsgiApp(SettingsApi(SettingsService(SqliteStore(path))))``: connections kept;
- ``ours, pool_size=0``: the same with a new connection per unit of work (how every unit
  opened the file before connections were kept): for information;
- ``flask``: a hand-written Flask app reading the same rows over a connection each thread
  keeps open, building the same fields (overrides, repositories, environments, version,
  effective values): the baseline;
- ``ours`` and ``flask`` again with one thread in their worker (``--threads 1``), for
  information: two threads take turns holding the interpreter, and for pages that keep a
  core busy that costs more than the second thread gains (see ``docs/http.md``);

and loaded in turn by ``wrk`` (``apt-get install wrk``; without it, a small keep-alive
client in another process), rounds interleaved so that a busy moment weighs on all alike.
The figure is the time per request at the throughput reached (1 / requests per second),
the median over the rounds. Two pages:

- ``GET /projects/{org}/{project}/ai-settings`` of one project (a different project per
  request is not needed: SQLite's page cache holds the whole file either way). Target: ours
  at most 1.0x the hand-written view.
- ``GET /organizations/{org}/ai-projects?limit=100``: the first page of the projects that
  override something. Target: at most 1.0x the hand-written view.

Before timing, each page is fetched from both servers and their effective values compared.
A third row counts the disk syncs (``fsync``/``fdatasync``) of a committed write on a kept
store in the default durable mode, with ``strace -f -c`` when it is installed: 200 writes
minus 0 writes, divided by 200. Target: at most 2.

Run: ``python benchmarks/run.py --only bench_http``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ai_settings_core import (
    ALL_SCOPES,
    Actor,
    BranchPattern,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    StoppingPoint,
)
from benchmarks import row

ORGANIZATION = "bench"
PROJECTS = 1_000
PAGE = 100
ROOT = Path(__file__).resolve().parent.parent
SECONDS = 3
CONNECTIONS = 4
PROJECT_PATH = f"/projects/{ORGANIZATION}/project-0421/ai-settings"
LIST_PATH = f"/organizations/{ORGANIZATION}/ai-projects?limit={PAGE}"
WRITES = 200


# --- the apps gunicorn serves (``benchmarks.bench_http:app()``, configured by environment) --


def app() -> Any:
    """The WSGI app ``BENCH_HTTP_APP`` names, on the file ``BENCH_HTTP_DB``."""
    path = Path(os.environ["BENCH_HTTP_DB"])
    kind = os.environ["BENCH_HTTP_APP"]
    if kind == "flask":
        return _flask_app(path)
    from ai_settings_core import SettingsService  # noqa: PLC0415 - in the server only
    from ai_settings_core.adapters.sqlite import SqliteStore  # noqa: PLC0415
    from ai_settings_core.http import SettingsApi, WsgiApp  # noqa: PLC0415

    store = SqliteStore(path, pool_size=0 if kind == "ours-unpooled" else 8)
    return WsgiApp(
        SettingsApi(SettingsService(store), lambda _request, org: Actor("u", org, ALL_SCOPES))
    )


def _flask_app(path: Path) -> Any:
    """The hand-written baseline: Flask views over the same rows, a connection kept per thread.

    They serve the same documents as ours for this file (checked before timing), computing
    the effective values and their sources inline for what the file holds: an organization
    with no locks and no cap.
    """
    import flask  # noqa: PLC0415 - a baseline, in the server only

    local = threading.local()

    def connection() -> sqlite3.Connection:
        if getattr(local, "connection", None) is None:
            local.connection = sqlite3.connect(path, isolation_level=None)
        kept: sqlite3.Connection = local.connection
        return kept

    def organization(db: sqlite3.Connection, org: str) -> tuple[Any, ...]:
        found = db.execute(
            "SELECT scan_enabled, fix_enabled, stopping_point "
            "FROM organizations WHERE organization_id = ?",
            (org,),
        ).fetchone()
        return found or (1, 0, "pull_request")

    def documents(
        db: sqlite3.Connection, org: str, projects: list[Any], *, listing: bool = False
    ) -> list[dict[str, Any]]:
        settings = organization(db, org)
        rows = [project[0] for project in projects]
        marks = ",".join("?" * len(rows))
        repositories: dict[int, list[dict[str, Any]]] = {row: [] for row in rows}
        patterns: dict[int, list[str]] = {}
        for repository, pattern in db.execute(
            "SELECT b.repository_row, b.pattern FROM branch_patterns b JOIN repositories r "
            f"ON r.id = b.repository_row WHERE r.project_row IN ({marks}) "
            "ORDER BY b.repository_row, b.position",
            rows,
        ):
            patterns.setdefault(repository, []).append(pattern)
        for item in db.execute(
            "SELECT id, project_row, provider, owner, name, ai_enabled, stopping_point_override "
            f"FROM repositories WHERE project_row IN ({marks}) "
            "ORDER BY project_row, position",
            rows,
        ):
            repositories[item[1]].append(
                {
                    "repository": f"{item[2]}:{item[3]}/{item[4]}",
                    "ai_enabled": bool(item[5]),
                    "branch_patterns": patterns.get(item[0], []),
                    "stopping_point_override": item[6],
                }
            )
        environments: dict[int, list[str]] = {}
        for project_row, name in db.execute(
            f"SELECT project_row, name FROM environments WHERE project_row IN ({marks}) "
            "ORDER BY project_row, name",
            rows,
        ):
            environments.setdefault(project_row, []).append(name)
        results = []
        for row_id, project_id, scan, fix, point, version in projects:
            sources = {
                name: (
                    {"value": value, "level": "organization", "reason": "INHERITED", "shadowed": []}
                    if override is None
                    else {
                        "value": override,
                        "level": "project",
                        "reason": "OVERRIDDEN",
                        "shadowed": [],
                    }
                )
                for name, value, override in (
                    ("scan_enabled", bool(settings[0]), None if scan is None else bool(scan)),
                    ("fix_enabled", bool(settings[1]), None if fix is None else bool(fix)),
                    ("stopping_point", settings[2], point),
                )
            }
            document = {
                "organization_id": org,
                "project_id": project_id,
                "scan_enabled_override": None if scan is None else bool(scan),
                "fix_enabled_override": None if fix is None else bool(fix),
                "stopping_point_override": point,
                "repositories": repositories[row_id],
                "environments": environments.get(row_id, []),
                "version": version,
                "effective": {name: source["value"] for name, source in sources.items()},
                "sources": sources,
                "warnings": [],
            }
            if listing:
                document["overridden"] = [
                    name for name, source in sources.items() if source["level"] == "project"
                ]
            results.append(document)
        return results

    columns = (
        "SELECT id, project_id, scan_enabled_override, fix_enabled_override, "
        "stopping_point_override, version FROM projects WHERE organization_id = ? "
    )
    application = flask.Flask("bench_http")

    @application.get("/projects/<org>/<project>/ai-settings")
    def project_view(org: str, project: str) -> Any:
        db = connection()
        db.execute("BEGIN")
        try:
            found = db.execute(columns + "AND project_id = ?", (org, project)).fetchall()
            if not found:
                flask.abort(404)
            return flask.jsonify(documents(db, org, found)[0])
        finally:
            db.execute("COMMIT")

    @application.get("/organizations/<org>/ai-projects")
    def list_view(org: str) -> Any:
        limit = int(flask.request.args.get("limit", "100"))
        db = connection()
        db.execute("BEGIN")
        try:
            found = db.execute(
                columns + "AND (scan_enabled_override IS NOT NULL OR fix_enabled_override "
                "IS NOT NULL OR stopping_point_override IS NOT NULL) "
                "ORDER BY project_id LIMIT ?",
                (org, limit + 1),
            ).fetchall()
            page = found[:limit]
            cursor = f"after:{page[-1][1]}" if len(found) > limit else None
            return flask.jsonify(
                {"results": documents(db, org, page, listing=True), "next_cursor": cursor}
            )
        finally:
            db.execute("COMMIT")

    return application


# --- the workload ---------------------------------------------------------------------------


def make_project(i: int) -> ProjectSettings:
    """A project with one to three repositories; a third override something."""
    return ProjectSettings(
        ORGANIZATION,
        f"project-{i:04d}",
        fix_enabled_override=(None, True, None)[i % 3],
        stopping_point_override=StoppingPoint.SUGGESTION if i % 6 == 1 else None,
        repositories=tuple(
            RepositorySettings(
                RepositoryRef.parse(f"github:org{i % 50}/repo{i}-{k}"),
                ai_enabled=(i + k) % 5 != 0,
                branch_patterns=(BranchPattern("main"), BranchPattern("release/*"))[: 1 + k % 2],
            )
            for k in range(1 + i % 3)
        ),
        environments=frozenset({"production"}) if i % 10 == 0 else frozenset(),
    )


def populate(path: Path) -> None:
    """The file the servers read: an organization and its 1,000 projects."""
    from ai_settings_core.adapters.sqlite import SqliteStore  # noqa: PLC0415 - as the servers

    store = SqliteStore(path)
    with store() as uow:
        uow.organizations.save(
            OrganizationSettings(ORGANIZATION, fix_enabled=True, stopping_point=StoppingPoint.MERGE)
        )
        for i in range(PROJECTS):
            uow.projects.save(make_project(i))
        uow.commit()
    store.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def server(path: Path, kind: str, threads: int = 2) -> Iterator[str]:
    """A gunicorn server of the app ``kind`` on ``path``; yields its base URL."""
    port = _free_port()
    environment = {**os.environ, "BENCH_HTTP_DB": str(path), "BENCH_HTTP_APP": kind}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            *(sys.executable, "-m", "gunicorn", "--chdir", str(ROOT)),
            *("-k", "gthread", "-w", "1", "--threads", str(threads), "--log-level", "warning"),
            *("-b", f"127.0.0.1:{port}", "benchmarks.bench_http:app()"),
        ],
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {kind} server did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(30)


def fetch(url: str) -> Any:
    """The JSON document at ``url``."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own server
        return json.loads(response.read())


_CLIENT = textwrap.dedent(
    """
    import http.client, sys, threading, time
    host, port, path, seconds, clients = sys.argv[1], int(sys.argv[2]), sys.argv[3], \\
        float(sys.argv[4]), int(sys.argv[5])
    counts, end = [0] * clients, time.monotonic() + seconds
    def work(index):
        connection = http.client.HTTPConnection(host, port)
        while time.monotonic() < end:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[index] += 1
    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    print(sum(counts) / seconds)
    """
)


def requests_per_second(base: str, path: str) -> float:
    """Requests per second ``wrk`` (or the fallback client) reaches on ``base + path``."""
    if shutil.which("wrk"):
        output = subprocess.run(  # noqa: S603 - our own arguments
            [
                *("wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s"),
                base + path,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if "Non-2xx" in output:
            raise RuntimeError(f"{base + path} answered errors under load:\n{output}")
        found = re.search(r"Requests/sec:\s+([\d.]+)", output)
        if found is None:
            raise RuntimeError(f"wrk printed no rate:\n{output}")
        return float(found.group(1))
    host, port = base.removeprefix("http://").split(":")
    output = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", _CLIENT, host, port, path, str(SECONDS), str(CONNECTIONS)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(output)


def same_answers(bases: dict[tuple[str, int], str]) -> None:
    """Both pages, from every server: the same JSON documents."""
    for path in (PROJECT_PATH, LIST_PATH):
        first, *others = (fetch(base + path) for base in bases.values())
        if any(other != first for other in others) or not first:
            raise RuntimeError(f"the servers disagree on {path}")


_WRITER = textwrap.dedent(
    """
    import pathlib, sys, time
    from ai_settings_core import ProjectSettings
    from ai_settings_core.adapters.sqlite import SqliteStore
    store, writes = SqliteStore(pathlib.Path(sys.argv[1])), int(sys.argv[2])
    start = time.perf_counter_ns()
    for i in range(writes):
        with store() as uow:
            uow.projects.save(ProjectSettings("acme", f"p{i}", fix_enabled_override=True))
            uow.commit()
    print((time.perf_counter_ns() - start) / max(writes, 1))
    """
)


def _write(path: Path, writes: int, *, traced: bool = False) -> subprocess.CompletedProcess[str]:
    """``writes`` committed writes on a kept store, in a new process (under ``strace``)."""
    command = [sys.executable, "-c", _WRITER, str(path), str(writes)]
    if traced:
        command = ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", *command]
    return subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603


def committed_writes(directory: Path) -> tuple[float, float | None]:
    """The time of one committed write on a kept store, and its disk syncs (``None``: no strace).

    The syncs are counted by ``strace -f -c`` over ``WRITES`` writes and over none (the
    opening of the store), each on a file already made; the difference, per write.
    """
    _write(directory / "timed.db", 1)
    per_write = float(_write(directory / "timed.db", WRITES).stdout)
    if not shutil.which("strace"):
        return per_write, None
    counts = []
    for writes in (0, WRITES):
        path = directory / f"syncs-{writes}.db"
        _write(path, 1)
        report = _write(path, writes, traced=True).stderr.splitlines()
        # strace -c's last line: "100.00  seconds  usecs/call  calls  [errors]  total".
        totals = [line.split() for line in report if line.rstrip().endswith("total")]
        counts.append(int(totals[-1][3]) if totals else 0)
    return per_write, (counts[1] - counts[0]) / WRITES


def run(repeats: int = 5) -> list[dict[str, Any]]:
    """Serve the file from the three apps and load each page in turn; plus the sync count."""
    rounds = max(3, min(repeats, 7))
    rates: dict[tuple[str, tuple[str, int]], list[float]] = {}
    kinds = (("ours", 2), ("ours-unpooled", 2), ("flask", 2), ("ours", 1), ("flask", 1))
    with tempfile.TemporaryDirectory(prefix="bench-http-") as name:
        directory = Path(name)
        path = directory / "settings.db"
        populate(path)
        with contextlib.ExitStack() as servers:
            bases = {
                (kind, threads): servers.enter_context(server(path, kind, threads))
                for kind, threads in kinds
            }
            same_answers(bases)
            for _ in range(rounds):
                for page in (PROJECT_PATH, LIST_PATH):
                    for kind, base in bases.items():
                        rate = requests_per_second(base, page)
                        rates.setdefault((page, kind), []).append(rate)
        per_write, syncs = committed_writes(directory)

    def per_request(page: str, kind: str, threads: int = 2) -> float:
        return 1e9 / statistics.median(rates[page, (kind, threads)])

    baseline = "hand-written Flask view, kept connection"
    rows = []
    for page, label in ((PROJECT_PATH, "GET one project"), (LIST_PATH, "GET overriding page")):
        ours, flask = per_request(page, "ours"), per_request(page, "flask")
        rows.append(
            row(
                f"http: {label}, gunicorn, {PROJECTS:,} projects",
                ours,
                baseline_name=baseline,
                baseline_median_ns=flask,
                target="<= 1.0x",
                passed=ours <= flask,
            )
        )
        rows.append(
            row(
                f"http: {label}, new connection per unit (pool_size=0)",
                per_request(page, "ours-unpooled"),
                baseline_name=baseline,
                baseline_median_ns=flask,
            )
        )
        rows.append(
            row(
                f"http: {label}, gunicorn --threads 1",
                per_request(page, "ours", 1),
                baseline_name="hand-written Flask view, --threads 1",
                baseline_median_ns=per_request(page, "flask", 1),
            )
        )
    counted = "no strace: syncs not counted" if syncs is None else f"{syncs:.2f} disk syncs"
    rows.append(
        row(
            f"sqlite: one committed write, kept store, synchronous=full ({counted})",
            per_write,
            target="information" if syncs is None else "<= 2 syncs",
            passed=syncs is None or syncs <= 2,
        )
    )
    return rows
