"""Experiment: SQLite tracker store in WAL mode with synchronous=NORMAL.

With SQLite's default rollback journal every commit waits for several fsyncs (median 11 ms,
p95 30 ms measured on this machine's disk, far more when other work writes), and Rasa's
SQLTrackerStore commits synchronously inside its event loop once per turn, so the wait
blocks every other conversation too. WAL with synchronous=NORMAL commits without waiting for
the disk at each transaction (still durable against process crashes; a power loss can lose
the last transactions). Proposed fix: the same ``connect`` listener for sqlite URLs in
``components/tracker_store.py`` (PostgreSQL, the production store, is unaffected).
"""

from sitecustomize import when_imported


def _on_connect(dbapi_connection, connection_record):
    if "sqlite" not in type(dbapi_connection).__module__:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _patch(sqlalchemy):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "connect", _on_connect)


when_imported("sqlalchemy", _patch)
