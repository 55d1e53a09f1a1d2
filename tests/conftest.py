"""Shared pytest fixtures for dbsynth's tests.

Databases
    pg_cluster            session  PgCluster: the PostgreSQL server (started here, or the one
                                   named by $DBSYNTH_TEST_PG_URL), with create/drop helpers
    pg_server             session  base URL of that server, no database part:
                                   "postgresql://dbsynth@127.0.0.1:PORT"
    pg_database_factory   function make(name="db") -> URL of a fresh, empty PostgreSQL database
                                   (dropped at teardown)
    duckdb_path_factory   function make(name="db") -> fresh (not yet existing) .duckdb Path
                                   under tmp_path
    db_factory            function parametrized ["postgres", "duckdb"]; .kind and
                                   .new(ddl_sql=None, name="db") -> URL of a fresh database of
                                   that kind with ddl_sql run in it
    zoo_url               function the schema zoo (tests/zoo/<kind>.sql) loaded through
                                   db_factory, so parametrized over both kinds too
    chinook_pg_url        session  Chinook loaded into PostgreSQL      } shared by the whole
    chinook_duckdb_url    session  the same tables, keys and rows in   } session: treat as
                                   a DuckDB file                       } read-only sources
    sql_runner            function returns run_sql

URLs: PostgreSQL "postgresql://user@host:port/dbname" (a "+psycopg" driver suffix is accepted
on input), DuckDB "duckdb:///" + absolute path, e.g. "duckdb:////tmp/x/db.duckdb".

run_sql(url, sql) -> list[tuple] (importable: `from conftest import run_sql`) runs SQL (several
statements allowed, no parameters) against either kind and returns the rows of the last one.

The PostgreSQL server: with $DBSYNTH_TEST_PG_URL set (a URL of an existing database on a
running server) that server is used, databases are created and dropped through that URL's
database, and nothing is started or stopped. Otherwise a throwaway server is initdb'ed in a
temp dir under /tmp and started on a free 127.0.0.1 port with fsync off, as the `postgres` OS
user (else `nobody`) when running as root, since PostgreSQL refuses to run as root; it is
stopped (immediate mode) and its directory deleted at session end. No PostgreSQL binaries is
a hard failure, not a skip: CI installs PostgreSQL.

Nothing here imports dbsynth: the fixtures must stay independent of the code under test.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import psycopg
import pytest
from psycopg import sql as pgsql

TESTS_DIR = Path(__file__).resolve().parent
DATA_DIR = TESTS_DIR / "data"
CHINOOK_DIR = DATA_DIR / "chinook"
# The in-repo copy is what CI (a clean checkout of the repo) has; the shared/ original is a
# fallback for a work tree where the copy is missing.
CHINOOK_PG_SQL_CANDIDATES = (
    CHINOOK_DIR / "Chinook_PostgreSql.sql",
    Path(__file__).resolve().parents[2] / "shared/data/chinook/Chinook_PostgreSql.sql",
)
CHINOOK_DUCKDB_DDL = CHINOOK_DIR / "chinook_duckdb.sql"
ZOO_DIR = TESTS_DIR / "zoo"

PG_URL_ENV = "DBSYNTH_TEST_PG_URL"
PG_SUPERUSER = "dbsynth"

# Chinook tables, parents before children.
CHINOOK_TABLES = (
    "artist", "genre", "media_type", "playlist", "employee", "album", "track",
    "customer", "invoice", "invoice_line", "playlist_track",
)
# Schema zoo tables (unquoted names; "User" and "order" need quoting in SQL).
ZOO_TABLES = (
    "department", "person", "employee", "skill", "person_skill", "product",
    "User", "order", "order_line", "audit_log",
)


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: the test needs the PostgreSQL server")
    config.addinivalue_line("markers", "mysql: the test needs a MariaDB (or MySQL) server")


# --------------------------------------------------------------------------------------------
# URLs and running SQL
# --------------------------------------------------------------------------------------------

def url_kind(url: str) -> str:
    """'postgres' or 'duckdb'."""
    scheme = url.split("://", 1)[0].lower()
    if scheme.startswith("duckdb"):
        return "duckdb"
    if scheme.split("+", 1)[0] in ("postgresql", "postgres"):
        return "postgres"
    raise ValueError(f"not a PostgreSQL or DuckDB URL: {url!r}")


def pg_conninfo(url: str) -> str:
    """A URL psycopg accepts: 'postgresql+psycopg://...' -> 'postgresql://...'."""
    return re.sub(r"^postgres(?:ql)?(?:\+[A-Za-z0-9_]+)?://", "postgresql://", url)


def duckdb_path(url: str) -> Path:
    """'duckdb:////abs/path.duckdb' -> Path('/abs/path.duckdb')."""
    if not url.startswith("duckdb:///"):
        raise ValueError(f"not a duckdb:/// URL: {url!r}")
    return Path(url[len("duckdb:///"):].split("?", 1)[0])


def duckdb_url(path: Path | str) -> str:
    return "duckdb:///" + str(Path(path).resolve())


def run_sql(url: str, sql: str) -> list[tuple]:
    """Run `sql` (one or more statements, no parameters) and return the last statement's rows.

    PostgreSQL: one transaction, committed at the end (rolled back on error); a last statement
    without a result set gives []. DuckDB: the file is opened and closed on each call,
    statements autocommit one by one; DuckDB reports a DML statement's row count as a one-row
    result ([(n,)]) where PostgreSQL gives [].
    """
    if url_kind(url) == "duckdb":
        con = duckdb.connect(str(duckdb_path(url)))
        try:
            cur = con.execute(sql)
            return cur.fetchall() if cur.description else []
        finally:
            con.close()
    with psycopg.connect(pg_conninfo(url)) as conn:
        cur = conn.execute(sql)
        rows: list[tuple] = []
        while True:
            rows = cur.fetchall() if cur.description else []
            if not cur.nextset():
                break
        return rows


# --------------------------------------------------------------------------------------------
# PostgreSQL server
# --------------------------------------------------------------------------------------------

class PgCluster:
    """A PostgreSQL server the tests may create and drop databases on."""

    def __init__(self, base_url: str, admin_url: str, query: str = ""):
        self.base_url = base_url    # postgresql://user@host:port   (no database)
        self.admin_url = admin_url  # a database to connect to for CREATE/DROP DATABASE
        self.query = query          # kept from $DBSYNTH_TEST_PG_URL (e.g. sslmode), usually ""

    def url(self, dbname: str) -> str:
        return self.base_url + "/" + dbname + (("?" + self.query) if self.query else "")

    def create_database(self, name: str = "db") -> tuple[str, str]:
        """Create a fresh empty database with a unique name; return (dbname, url)."""
        stem = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:30] or "db"
        dbname = f"dbsynth_{stem}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg_conninfo(self.admin_url), autocommit=True) as conn:
            # template0: always clean, and never "being accessed by other users".
            conn.execute(pgsql.SQL("CREATE DATABASE {} TEMPLATE template0").format(
                pgsql.Identifier(dbname)))
        return dbname, self.url(dbname)

    def drop_database(self, dbname: str) -> None:
        with psycopg.connect(pg_conninfo(self.admin_url), autocommit=True) as conn:
            conn.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                pgsql.Identifier(dbname)))


def _version_key(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.\-]", name))


def _pg_bindir() -> Path:
    root = Path("/usr/lib/postgresql")
    found = sorted(
        (p.parent for p in root.glob("*/bin/initdb")),
        key=lambda bindir: _version_key(bindir.parent.name),
    ) if root.is_dir() else []
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    pytest.fail(
        "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb and no "
        f"initdb on PATH). Install PostgreSQL (e.g. apt-get install postgresql) or set "
        f"{PG_URL_ENV} to the URL of a database on a running server.",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _LocalPostgres:
    """initdb + pg_ctl in a temp dir, as an unprivileged user when we are root."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.run_as: dict = {}
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            for user in ("postgres", "nobody"):
                try:
                    self.owner = pwd.getpwnam(user)
                    break
                except KeyError:
                    continue
            if self.owner is None:
                pytest.fail("running as root, and neither a 'postgres' nor a 'nobody' OS user "
                            "exists to run PostgreSQL as", pytrace=False)
            self.run_as = dict(user=self.owner.pw_uid, group=self.owner.pw_gid, extra_groups=[])
        self.root = Path(tempfile.mkdtemp(prefix="dbsynth-pg-", dir="/tmp"))
        os.chmod(self.root, 0o755)
        if self.owner is not None:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        self.datadir = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self.port: int | None = None
        self.started = False
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if self.owner is not None:
            self.env.update(HOME=str(self.root), USER=self.owner.pw_name,
                            LOGNAME=self.owner.pw_name)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        proc = subprocess.run(cmd, cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=180, **self.run_as)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n"
                               f"{proc.stdout}\n{proc.stderr}")
        return proc

    def _log_tail(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    def initdb(self) -> None:
        common = ["-D", str(self.datadir), "-U", PG_SUPERUSER, "--auth=trust", "-E", "UTF8",
                  "--no-sync"]
        first = self._run("initdb", *common, "--locale=C.UTF-8", check=False)
        if first.returncode != 0:
            shutil.rmtree(self.datadir, ignore_errors=True)
            second = self._run("initdb", *common, "--no-locale", check=False)
            if second.returncode != 0:
                raise RuntimeError(
                    "initdb failed with --locale=C.UTF-8:\n" + first.stderr
                    + "\nand with --no-locale:\n" + second.stdout + second.stderr)

    def start(self) -> None:
        errors = []
        for _ in range(3):  # a free port may be taken between probing and binding
            port = _free_port()
            opts = (f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
            proc = self._run("pg_ctl", "-w", "-t", "60", "-D", str(self.datadir), "-o", opts,
                             "-l", str(self.logfile), "start", check=False)
            if proc.returncode == 0:
                self.port, self.started = port, True
                return
            errors.append(f"port {port}: {proc.stdout}{proc.stderr}\nlog:\n{self._log_tail()}")
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop",
                      check=False)
        raise RuntimeError("could not start PostgreSQL:\n" + "\n---\n".join(errors))

    def stop(self) -> None:
        """Idempotent: stop the server (if running) and delete its directory."""
        if self.started:
            self.started = False
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop",
                      check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster():
    """The PostgreSQL server for the session (see the module docstring)."""
    env_url = os.environ.get(PG_URL_ENV, "").strip()
    if env_url:
        admin = pg_conninfo(env_url)
        parts = urlsplit(admin)
        base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        yield PgCluster(base, admin, parts.query)
        return
    server = _LocalPostgres()
    atexit.register(server.stop)  # in case the session dies before fixture teardown
    try:
        server.initdb()
        server.start()
    except Exception as exc:
        server.stop()
        pytest.fail(f"could not start a throwaway PostgreSQL server: {exc}", pytrace=False)
    base = f"postgresql://{PG_SUPERUSER}@127.0.0.1:{server.port}"
    try:
        yield PgCluster(base, base + "/postgres")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_server(pg_cluster) -> str:
    """Base URL of the PostgreSQL server, e.g. 'postgresql://dbsynth@127.0.0.1:PORT'."""
    return pg_cluster.base_url


@pytest.fixture
def pg_database_factory(pg_cluster):
    """make(name='db') -> URL of a fresh, empty PostgreSQL database; all dropped at teardown."""
    created: list[str] = []

    def make(name: str = "db") -> str:
        dbname, url = pg_cluster.create_database(name)
        created.append(dbname)
        return url

    yield make
    for dbname in reversed(created):
        pg_cluster.drop_database(dbname)


@pytest.fixture
def duckdb_path_factory(tmp_path):
    """make(name='db') -> a fresh, not yet existing `<name>_<n>.duckdb` path under tmp_path."""
    counter = itertools.count(1)

    def make(name: str = "db") -> Path:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "db"
        while True:
            path = tmp_path / f"{stem}_{next(counter)}.duckdb"
            if not path.exists():
                return path

    return make


# --------------------------------------------------------------------------------------------
# Either kind of database
# --------------------------------------------------------------------------------------------

class DbFactory:
    """Fresh databases of one kind ('postgres' or 'duckdb')."""

    def __init__(self, kind: str, request: pytest.FixtureRequest):
        self.kind = kind
        self._request = request

    def new(self, ddl_sql: str | None = None, name: str = "db") -> str:
        """Create a fresh empty database, run ddl_sql in it (if given), return its URL."""
        if self.kind == "postgres":
            url = self._request.getfixturevalue("pg_database_factory")(name)
            if ddl_sql:
                with psycopg.connect(pg_conninfo(url)) as conn:  # one transaction
                    conn.execute(ddl_sql)
            return url
        path = self._request.getfixturevalue("duckdb_path_factory")(name)
        con = duckdb.connect(str(path))
        try:
            if ddl_sql:
                con.execute(ddl_sql)
        finally:
            con.close()
        return duckdb_url(path)

    def __repr__(self) -> str:
        return f"DbFactory({self.kind!r})"


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres), "duckdb"])
def db_factory(request) -> DbFactory:
    return DbFactory(request.param, request)


@pytest.fixture
def sql_runner():
    return run_sql


def zoo_sql(kind: str) -> str:
    """The schema zoo script for 'postgres' or 'duckdb'."""
    return (ZOO_DIR / f"{kind}.sql").read_text(encoding="utf-8")


@pytest.fixture
def zoo_url(db_factory) -> str:
    """URL of a fresh database (both kinds, via db_factory) with the schema zoo loaded."""
    return db_factory.new(zoo_sql(db_factory.kind), name="zoo")


# --------------------------------------------------------------------------------------------
# Chinook
# --------------------------------------------------------------------------------------------

def chinook_pg_script() -> str:
    """Chinook_PostgreSql.sql minus its psql-isms (DROP/CREATE DATABASE, \\c)."""
    path = next((p for p in CHINOOK_PG_SQL_CANDIDATES if p.is_file()), None)
    if path is None:
        pytest.fail(f"Chinook script not found at {CHINOOK_PG_SQL_CANDIDATES[0]}", pytrace=False)
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?im)^[ \t]*(?:DROP|CREATE)[ \t]+DATABASE\b[^\n]*$", "", text)
    text = re.sub(r"(?m)^[ \t]*\\[^\n]*$", "", text)
    return text


@pytest.fixture(scope="session")
def chinook_pg_url(pg_cluster):
    """URL of a PostgreSQL database holding Chinook (session-wide: do not modify it)."""
    dbname, url = pg_cluster.create_database("chinook")
    try:
        with psycopg.connect(pg_conninfo(url)) as conn:
            conn.execute(chinook_pg_script())
        yield url
    finally:
        pg_cluster.drop_database(dbname)


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, cols: list[str],
                  rows: list[tuple]) -> None:
    import pyarrow as pa

    if not rows:
        return
    data = pa.table({c: pa.array([r[i] for r in rows]) for i, c in enumerate(cols)})
    collist = ", ".join(f'"{c}"' for c in cols)
    con.register("_dbsynth_src", data)
    try:
        con.execute(f'INSERT INTO "{table}" ({collist}) SELECT {collist} FROM _dbsynth_src')
    finally:
        con.unregister("_dbsynth_src")


@pytest.fixture(scope="session")
def chinook_duckdb_url(chinook_pg_url, tmp_path_factory) -> str:
    """URL of a DuckDB file with Chinook's tables, keys (tests/data/chinook/chinook_duckdb.sql)
    and rows (copied from chinook_pg_url). Session-wide: do not modify it."""
    path = tmp_path_factory.mktemp("chinook") / "chinook.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute(CHINOOK_DUCKDB_DDL.read_text(encoding="utf-8"))
        with psycopg.connect(pg_conninfo(chinook_pg_url)) as pg:
            for table in CHINOOK_TABLES:
                cur = pg.execute(f"SELECT * FROM {table} ORDER BY 1")
                cols = [d.name for d in cur.description]
                rows = cur.fetchall()
                if table != "employee":
                    _insert_arrow(con, table, cols, rows)
                    continue
                # employee.reports_to -> employee: DuckDB checks it per statement, so insert
                # top-down, one hierarchy level per statement.
                boss = cols.index("reports_to")
                done: set = set()
                while rows:
                    level = [r for r in rows if r[boss] is None or r[boss] in done]
                    if not level:
                        raise RuntimeError(f"employee.reports_to has a cycle or dangling ref: {rows}")
                    _insert_arrow(con, table, cols, level)
                    done.update(r[0] for r in level)
                    rows = [r for r in rows if r[0] not in done]
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return duckdb_url(path)


# --------------------------------------------------------------------------------------------
# MariaDB server (mariadb-install-db + mariadbd in a temp dir, as an unprivileged user)
# --------------------------------------------------------------------------------------------

def _mariadb_binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
        if found:
            return found
    return None


class MariaCluster:
    """A throwaway MariaDB server: create_database() gives a URL of a fresh database."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.base_url = f"mysql://root@127.0.0.1:{port}"

    def _conn(self, database: str | None = None):
        import pymysql

        return pymysql.connect(host="127.0.0.1", port=self.port, user="root", database=database,
                               autocommit=True, local_infile=True, client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)

    def create_database(self, name: str = "db") -> str:
        stem = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:30] or "db"
        dbname = f"dbsynth_{stem}_{uuid.uuid4().hex[:10]}"
        conn = self._conn()
        conn.cursor().execute(f"CREATE DATABASE `{dbname}`")
        conn.close()
        return f"{self.base_url}/{dbname}"

    def run(self, url: str, sql: str) -> list[tuple]:
        """Several statements; the last one's rows (sql_mode ANSI_QUOTES, like dbsynth)."""
        conn = self._conn(url.rsplit("/", 1)[1])
        try:
            cur = conn.cursor()
            cur.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')")
            cur.execute(sql)
            rows: list[tuple] = []
            while True:
                rows = list(cur.fetchall()) if cur.description else []
                if not cur.nextset():
                    break
            return rows
        finally:
            conn.close()


class LocalMariaDB:
    """A throwaway MariaDB server in a temp dir (as an unprivileged user when run as root);
    also started by benchmarks/corpus.py. ``start`` raises RuntimeError with the log."""

    def __init__(self) -> None:
        self.server_bin = _mariadb_binary("mariadbd", "mysqld")
        self.install_bin = _mariadb_binary("mariadb-install-db", "mysql_install_db")
        self.proc: subprocess.Popen | None = None
        self.root: Path | None = None

    @property
    def installed(self) -> bool:
        return self.server_bin is not None and self.install_bin is not None

    def start(self) -> MariaCluster:
        import time

        root = self.root = Path(tempfile.mkdtemp(prefix="dbsynth-maria-", dir="/tmp"))
        os.chmod(root, 0o755)
        run_as: dict = {}
        user = pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            owner = None
            for name in ("mysql", "nobody"):
                try:
                    owner = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
            if owner is None:
                raise RuntimeError("running as root, and no 'mysql' or 'nobody' user to run MariaDB as")
            os.chown(root, owner.pw_uid, owner.pw_gid)
            run_as = dict(user=owner.pw_uid, group=owner.pw_gid, extra_groups=[])
            user = owner.pw_name
        datadir = root / "data"
        subprocess.run([self.install_bin, "--no-defaults", f"--datadir={datadir}", f"--user={user}",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       cwd=root, capture_output=True, text=True, timeout=180, check=True, **run_as)
        port = _free_port()
        self.proc = subprocess.Popen(
            [self.server_bin, "--no-defaults", f"--datadir={datadir}", f"--socket={root}/mysqld.sock",
             f"--port={port}", "--bind-address=127.0.0.1", f"--user={user}", "--skip-name-resolve",
             "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--local-infile=1",
             f"--log-error={root}/error.log", f"--pid-file={root}/mysqld.pid"],
            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **run_as)
        atexit.register(self.stop)
        cluster = MariaCluster(port)
        deadline = time.monotonic() + 60
        while True:
            try:
                cluster._conn().close()
                return cluster
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    log = (root / "error.log").read_text(errors="replace")[-2000:] \
                        if (root / "error.log").exists() else ""
                    self.stop()
                    raise RuntimeError(f"could not start MariaDB:\n{log}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def maria_cluster():
    """A MariaDB server for the session; skips when no mariadbd/mysqld is installed."""
    server = LocalMariaDB()
    if not server.installed:
        pytest.skip("MariaDB server binaries not found (apt-get install mariadb-server)")
    try:
        cluster = server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster
    finally:
        server.stop()


@pytest.fixture
def maria_database_factory(maria_cluster):
    """make(name='db') -> URL of a fresh, empty MariaDB database."""
    return maria_cluster.create_database
