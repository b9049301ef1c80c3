"""Portal test fixtures: an application on a temporary SQLite file, or on a real PostgreSQL server started
from the system's binaries (initdb/pg_ctl on a loopback port in a temporary folder; skipped with the reason
when the Debian ``postgresql`` package is missing), with four accounts and "today" = 5 April 2021
(first quarter 2021 open; camps due 10 April, education due 5 April)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from .portalkit import DATA_DIR, Portal, make_portal  # noqa: F401  (Portal: the fixture's type)


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch):
    """Argon2id with small costs in these tests (the production profile takes about a second per hash on
    a loaded 2-core machine); test_production_argon2_profile checks the real one."""
    from argon2 import PasswordHasher
    from generator.portal import accounts
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))


@pytest.fixture(scope="session")
def program_data():
    from generator.portal import quarterly as q
    return q.load(DATA_DIR)


@pytest.fixture(scope="session")
def subsidies(program_data):
    return program_data[1]


# --- PostgreSQL from the system's binaries ------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """(url without database, admin engine) of a PostgreSQL server on 127.0.0.1 in a temporary folder."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: install the Debian `postgresql` package "
                    "to run the portal suite on PostgreSQL")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'psycopg[binary]'): PostgreSQL suite not run")
    folder = Path(tempfile.mkdtemp(prefix="gosprog-pg-"))
    data, sockets = folder / "data", folder / "sock"
    sockets.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:                       # initdb refuses root: run the server as the postgres user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the test server")
        os.chown(folder, user.pw_uid, user.pw_gid)
        os.chown(sockets, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(run_as + [str(bin_dir / "initdb"), "-D", str(data), "-U", "gosprog", "--auth=trust",
                             "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
    subprocess.run(run_as + [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"),
                             "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    from sqlalchemy import create_engine
    base = f"postgresql+psycopg://gosprog@127.0.0.1:{port}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        yield base, admin
    finally:
        admin.dispose()
        subprocess.run(run_as + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.sqlite'}"
        return
    base, admin = request.getfixturevalue("pg_server")
    from sqlalchemy import text
    name = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {name}"))
    yield f"{base}/{name}"
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


# --- the portal ---------------------------------------------------------------------------------------------


@pytest.fixture
def portal(tmp_path, database_url, program_data) -> Portal:
    made = make_portal(tmp_path, database_url, program_data)
    yield made
    made.app.state.engine.dispose()
