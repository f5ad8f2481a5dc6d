"""Database foundations: the declarative base, the engine and the session.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout.
Its driver is told to leave BEGIN to SQLAlchemy so that a use case which reads and then
writes can open its transaction with ``BEGIN IMMEDIATE`` (see ``write_transaction``): a
deferred SQLite transaction that has read cannot always be upgraded to a writer and fails
with "database is locked" without waiting for the busy timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_OPTION = "feedback_write"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create the engine for ``url`` with the settings this app relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged response survives a power cut too, not only a killed process;
            # it costs one fsync per commit, which a counter's submit rate never notices.
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """Holds the engine and a request-scoped session; bound to an app by ``init_app``."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory = sessionmaker(expire_on_commit=False)
        self.session = scoped_session(self.session_factory)

    def init_app(self, app) -> None:  # noqa: ANN001
        self.engine = make_engine(app.config["DATABASE_URL"], echo=app.config.get("FEEDBACK_SQL_ECHO", False))
        self.session_factory.configure(bind=self.engine)
        app.extensions["feedback_db"] = self

        @app.teardown_appcontext
        def _remove_session(_exc):  # noqa: ANN001
            self.session.remove()


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """Run one use case that reads then writes: commit on success, roll back on any error.

    On SQLite the transaction starts with BEGIN IMMEDIATE, so concurrent writers queue on
    the busy timeout instead of failing; on PostgreSQL it is an ordinary transaction.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        # End the request's read-only transaction: a SQLite reader cannot always become a writer.
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
