"""Instructions per request, counted (not timed): our ``WsgiApp`` beside the hand-written view.

A figure of ``bench_http.py`` is a time under a real server and a load generator, and it moves
with whatever else the machine runs; an instruction count does not. This runs one app of
``bench_http.py`` in process on a fixed WSGI environ, N times, under ``valgrind
--tool=callgrind``: the count of N requests minus the count of none, divided by N, is what one
request executes. It is exact and repeatable whatever the load, and it leaves out what a time
includes besides: the server, the sockets, the cache misses.

    python benchmarks/count_http.py              # both pages, ours and the Flask view
    python benchmarks/count_http.py --requests 100 --apps ours store

Apps: ``ours`` (``WsgiApp`` on ``SqliteStore``), ``flask`` (the hand-written view, the
baseline), and, to see where ours spends, ``service`` (``get_project`` or ``list_projects``
and the document, without HTTP) and ``store`` (the unit of work and its reads alone). Needs
valgrind (``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from benchmarks import bench_http

PAGES = {"project": bench_http.PROJECT_PATH, "list": bench_http.LIST_PATH}
ROOT = Path(__file__).resolve().parent.parent


def _environ(path: str) -> dict[str, Any]:
    route, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "bench",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _request(database: Path, page: str, app: str) -> Callable[[], None]:
    """One request of ``page`` to ``app`` on ``database``, as a call."""
    from ai_settings_core import ALL_SCOPES, Actor, SettingsService, codec  # noqa: PLC0415
    from ai_settings_core.adapters.sqlite import SqliteStore  # noqa: PLC0415

    if app in ("ours", "flask"):
        os.environ["BENCH_HTTP_DB"] = str(database)
        os.environ["BENCH_HTTP_APP"] = app
        wsgi = bench_http.app()

        def http() -> None:
            statuses: list[str] = []
            b"".join(
                wsgi(_environ(PAGES[page]), lambda status, _h, _e=None: statuses.append(status))
            )
            if not statuses[0].startswith("200"):
                raise RuntimeError(f"{app} answered {statuses[0]}")

        return http
    store = SqliteStore(database)
    organization, project = bench_http.ORGANIZATION, PAGES["project"].split("/")[3]
    if app == "store":

        def reads() -> None:
            with store(read_only=True) as unit:
                unit.organizations.get(organization)
                if page == "project":
                    unit.projects.get(organization, project)
                else:
                    unit.projects.list(organization, limit=bench_http.PAGE, overriding_only=True)

        return reads
    service = SettingsService(store)
    actor = Actor("u", organization, ALL_SCOPES)

    def use_case() -> None:
        if page == "project":
            view = service.get_project(actor, organization, project, resolve_repositories=False)
            json.dumps(codec.dump_project_view(view), separators=(",", ":")).encode()
        else:
            listing = service.list_projects(
                actor,
                organization,
                limit=bench_http.PAGE,
                overriding_only=True,
                resolve_repositories=False,
            )
            documents = [codec.dump_project_view(view) for view in listing.items]
            json.dumps(documents, separators=(",", ":")).encode()

    return use_case


def _child(database: Path, page: str, app: str, requests: int) -> None:
    """The measured process: two warm-up requests, then ``requests`` more."""
    request = _request(database, page, app)
    request()
    request()
    for _ in range(requests):
        request()


def _instructions(database: Path, page: str, app: str, requests: int) -> int:
    result = subprocess.run(  # noqa: S603 - valgrind on our own interpreter and script
        [
            shutil.which("valgrind") or "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            str(database),
            page,
            app,
            str(requests),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        # The same string hashes in every run: dictionaries probe alike, counts repeat.
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"refs:\s+([\d,]+)", result.stderr)
    if found is None:
        raise RuntimeError(f"no count in valgrind's output: {result.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    """Print a table of instructions per request, by page and app."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--apps", nargs="+", default=["ours", "flask"])
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        database, page, app, requests = args.child
        _child(Path(database), page, app, int(requests))
        return
    if shutil.which("valgrind") is None:
        sys.exit("count_http: valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="ai-settings-count-") as tmp:
        database = Path(tmp) / "bench.db"
        bench_http.populate(database)
        print("| page | app | instructions per request | ratio to flask |")
        print("|---|---|---|---|")
        for page in args.pages:
            counts = {
                app: (
                    _instructions(database, page, app, args.requests)
                    - _instructions(database, page, app, 0)
                )
                / args.requests
                for app in args.apps
            }
            for app, count in counts.items():
                ratio = f"{count / counts['flask']:.2f}x" if "flask" in counts else "-"
                print(f"| {page} | {app} | {count:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
