"""The bot's memory: one SQLite file, written in short transactions.

What is stored, per list:

- ``cursors``: how far each source has been read (committed together with
  the messages read up to there, so a crash re-reads at most one batch);
- ``messages``: every message seen (key, kind, series, time); the raw bytes
  of patches and cover letters, zlib-compressed, for the review;
- ``series``: one row per version of a series, its state and the previous
  version it was linked to;
- ``findings``: what the review found in each version, and what was said;
- ``posts``: every reply mail and Patchwork check, planned before any side
  effect and marked done after it (see ``deliver`` for the order).
"""

from __future__ import annotations

import sqlite3
import time
import zlib
from dataclasses import dataclass
from typing import Iterable

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS cursors (
    list TEXT NOT NULL, source TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (list, source));
CREATE TABLE IF NOT EXISTS messages (
    list TEXT NOT NULL, msgid TEXT NOT NULL, kind TEXT NOT NULL,
    series TEXT, counter INTEGER, received REAL NOT NULL, subject TEXT,
    author TEXT, raw BLOB, source TEXT, deleted INTEGER NOT NULL DEFAULT 0,
    reviewed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (list, msgid));
CREATE INDEX IF NOT EXISTS messages_series ON messages (list, series);
CREATE TABLE IF NOT EXISTS series (
    list TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL,
    total INTEGER NOT NULL, title TEXT NOT NULL, author TEXT NOT NULL,
    change_id TEXT NOT NULL DEFAULT '', first_received REAL NOT NULL,
    last_received REAL NOT NULL, state TEXT NOT NULL, prev TEXT,
    reviewed_at REAL,
    PRIMARY KEY (list, key));
CREATE INDEX IF NOT EXISTS series_state ON series (list, state);
CREATE INDEX IF NOT EXISTS series_author ON series (list, author);
CREATE TABLE IF NOT EXISTS findings (
    list TEXT NOT NULL, series TEXT NOT NULL, version INTEGER NOT NULL,
    patch TEXT NOT NULL, fingerprint TEXT NOT NULL, rule TEXT NOT NULL,
    severity TEXT NOT NULL, path TEXT, line INTEGER, message TEXT NOT NULL,
    status TEXT NOT NULL, said INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS findings_series ON findings (list, series);
CREATE TABLE IF NOT EXISTS posts (
    key TEXT PRIMARY KEY, list TEXT NOT NULL, kind TEXT NOT NULL,
    series TEXT, patch TEXT, state TEXT NOT NULL, payload BLOB,
    detail TEXT NOT NULL DEFAULT '', created REAL NOT NULL,
    updated REAL NOT NULL, not_before REAL NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0, done_at REAL);
CREATE INDEX IF NOT EXISTS posts_state ON posts (list, state);
"""

# Post states: planned -> (sending ->) sent | skipped | failed | unconfirmed.
OPEN_POSTS = ("planned", "sending")


@dataclass(frozen=True)
class StoredMessage:
    list: str
    msgid: str
    kind: str  # patch | cover | reply | other
    series: str | None
    counter: int | None
    received: float
    subject: str
    author: str
    raw: bytes | None
    source: str
    deleted: bool
    reviewed: bool


@dataclass(frozen=True)
class SeriesRow:
    list: str
    key: str
    version: int
    total: int
    title: str
    author: str
    change_id: str
    first_received: float
    last_received: float
    state: str  # waiting | reviewed | superseded | deleted
    prev: str | None
    reviewed_at: float | None


@dataclass(frozen=True)
class Post:
    key: str
    list: str
    kind: str  # mail | check
    series: str | None
    patch: str | None
    state: str
    payload: bytes
    detail: str
    created: float
    updated: float
    not_before: float
    attempts: int
    done_at: float | None


@dataclass(frozen=True)
class FindingRow:
    series: str
    version: int
    patch: str
    fingerprint: str
    rule: str
    severity: str
    path: str | None
    line: int | None
    message: str
    status: str
    said: bool


class StateError(RuntimeError):
    """The state file cannot be used (one line)."""


class State:
    def __init__(self, path: str) -> None:
        try:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) != SCHEMA_VERSION:
                raise StateError(f"{path}: state schema {row[0]}, this reviewbot knows {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise StateError(f"{path}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> "_Transaction":
        return _Transaction(self.db)

    # --- cursors -------------------------------------------------------------

    def cursor(self, lst: str, source: str) -> str | None:
        row = self.db.execute("SELECT value FROM cursors WHERE list=? AND source=?", (lst, source)).fetchone()
        return row[0] if row else None

    def set_cursor(self, lst: str, source: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?, ?)", (lst, source, value))

    # --- messages ------------------------------------------------------------

    def has_message(self, lst: str, msgid: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM messages WHERE list=? AND msgid=?", (lst, msgid)
        ).fetchone() is not None

    def seen_anywhere(self, msgid: str) -> bool:
        """Whether any list's archive carried ``msgid`` (evidence a reply went out)."""
        return self.db.execute("SELECT 1 FROM messages WHERE msgid=? LIMIT 1", (msgid,)).fetchone() is not None

    def add_message(self, m: StoredMessage) -> bool:
        """Store ``m`` unless a message with its id is known; True if stored."""
        raw = zlib.compress(m.raw, 6) if m.raw is not None else None
        cur = self.db.execute(
            "INSERT OR IGNORE INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (m.list, m.msgid, m.kind, m.series, m.counter, m.received, m.subject, m.author, raw,
             m.source, int(m.deleted), int(m.reviewed)),
        )
        return cur.rowcount > 0

    def mark_deleted(self, lst: str, msgid: str) -> str | None:
        """Flag a message the archive deleted; returns its series key."""
        row = self.db.execute("SELECT series FROM messages WHERE list=? AND msgid=?", (lst, msgid)).fetchone()
        self.db.execute("UPDATE messages SET deleted=1 WHERE list=? AND msgid=?", (lst, msgid))
        return row[0] if row else None

    def message(self, lst: str, msgid: str) -> StoredMessage | None:
        row = self.db.execute("SELECT * FROM messages WHERE list=? AND msgid=?", (lst, msgid)).fetchone()
        return _message(row) if row else None

    def series_messages(self, lst: str, key: str) -> list[StoredMessage]:
        rows = self.db.execute(
            "SELECT * FROM messages WHERE list=? AND series=? AND deleted=0 ORDER BY received, rowid",
            (lst, key),
        ).fetchall()
        return [_message(r) for r in rows]

    def mark_reviewed(self, lst: str, msgids: Iterable[str]) -> None:
        self.db.executemany(
            "UPDATE messages SET reviewed=1 WHERE list=? AND msgid=?", [(lst, m) for m in msgids]
        )

    def count_messages(self, lst: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM messages WHERE list=?", (lst,)).fetchone()[0]

    # --- series --------------------------------------------------------------

    def get_series(self, lst: str, key: str) -> SeriesRow | None:
        row = self.db.execute("SELECT * FROM series WHERE list=? AND key=?", (lst, key)).fetchone()
        return SeriesRow(*row) if row else None

    def upsert_series(self, s: SeriesRow) -> None:
        self.db.execute(
            "INSERT INTO series VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (list, key) DO UPDATE SET "
            "title=CASE WHEN title = '' THEN excluded.title ELSE title END, "
            "change_id=CASE WHEN excluded.change_id != '' THEN excluded.change_id ELSE change_id END, "
            "first_received=MIN(first_received, excluded.first_received), "
            "last_received=MAX(last_received, excluded.last_received)",
            (s.list, s.key, s.version, s.total, s.title, s.author, s.change_id,
             s.first_received, s.last_received, s.state, s.prev, s.reviewed_at),
        )

    def set_series_title(self, lst: str, key: str, title: str) -> None:
        self.db.execute("UPDATE series SET title=? WHERE list=? AND key=?", (title, lst, key))

    def set_series_state(self, lst: str, key: str, state: str, prev: str | None = None,
                         reviewed_at: float | None = None) -> None:
        self.db.execute(
            "UPDATE series SET state=?, prev=COALESCE(?, prev), reviewed_at=COALESCE(?, reviewed_at) "
            "WHERE list=? AND key=?",
            (state, prev, reviewed_at, lst, key),
        )

    def series_in(self, lst: str, states: tuple[str, ...]) -> list[SeriesRow]:
        marks = ",".join("?" * len(states))
        rows = self.db.execute(
            f"SELECT * FROM series WHERE list=? AND state IN ({marks}) ORDER BY first_received, key",
            (lst, *states),
        ).fetchall()
        return [SeriesRow(*r) for r in rows]

    def series_with_unreviewed(self, lst: str) -> list[str]:
        """Reviewed series that got a patch after their review (a late arrival)."""
        rows = self.db.execute(
            "SELECT DISTINCT m.series FROM messages m JOIN series s ON s.list=m.list AND s.key=m.series "
            "WHERE m.list=? AND s.state='reviewed' AND m.kind='patch' AND m.reviewed=0 AND m.deleted=0",
            (lst,),
        ).fetchall()
        return [r[0] for r in rows]

    def candidates(self, lst: str, author: str, below: int) -> list[SeriesRow]:
        """Earlier versions from the same sender, newest first."""
        rows = self.db.execute(
            "SELECT * FROM series WHERE list=? AND author=? AND version<? AND state!='deleted' "
            "ORDER BY version DESC, first_received DESC",
            (lst, author, below),
        ).fetchall()
        return [SeriesRow(*r) for r in rows]

    def by_change_id(self, lst: str, change_id: str, below: int) -> list[SeriesRow]:
        rows = self.db.execute(
            "SELECT * FROM series WHERE list=? AND change_id=? AND version<? AND state!='deleted' "
            "ORDER BY version DESC, first_received DESC",
            (lst, change_id, below),
        ).fetchall()
        return [SeriesRow(*r) for r in rows]

    def newer_exists(self, s: SeriesRow) -> bool:
        return self.db.execute(
            "SELECT 1 FROM series WHERE list=? AND prev=? LIMIT 1", (s.list, s.key)
        ).fetchone() is not None

    def titles(self, lst: str, key: str) -> set[str]:
        rows = self.db.execute(
            "SELECT subject FROM messages WHERE list=? AND series=? AND kind='patch'", (lst, key)
        ).fetchall()
        return {r[0] for r in rows}

    # --- findings ------------------------------------------------------------

    def findings(self, lst: str, key: str) -> list[FindingRow]:
        rows = self.db.execute(
            "SELECT series, version, patch, fingerprint, rule, severity, path, line, message, status, said "
            "FROM findings WHERE list=? AND series=? ORDER BY rowid",
            (lst, key),
        ).fetchall()
        return [FindingRow(*r[:10], bool(r[10])) for r in rows]

    def add_findings(self, lst: str, rows: Iterable[FindingRow]) -> None:
        self.db.executemany(
            "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(lst, f.series, f.version, f.patch, f.fingerprint, f.rule, f.severity, f.path,
              f.line, f.message, f.status, int(f.said)) for f in rows],
        )

    # --- posts ---------------------------------------------------------------

    def get_post(self, key: str) -> Post | None:
        row = self.db.execute("SELECT * FROM posts WHERE key=?", (key,)).fetchone()
        return Post(*row) if row else None

    def plan_post(self, key: str, lst: str, kind: str, series: str | None, patch: str | None,
                  payload: bytes, not_before: float = 0.0, state: str = "planned", detail: str = "") -> bool:
        now = time.time()
        cur = self.db.execute(
            "INSERT OR IGNORE INTO posts (key, list, kind, series, patch, state, payload, detail, "
            "created, updated, not_before) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (key, lst, kind, series, patch, state, payload, detail, now, now, not_before),
        )
        return cur.rowcount > 0

    def set_post(self, key: str, state: str, detail: str = "", attempt: bool = False,
                 not_before: float | None = None) -> None:
        now = time.time()
        done = now if state in ("sent", "skipped", "failed", "unconfirmed") else None
        self.db.execute(
            "UPDATE posts SET state=?, detail=?, updated=?, attempts=attempts+?, "
            "not_before=COALESCE(?, not_before), done_at=COALESCE(?, done_at) WHERE key=?",
            (state, detail, now, int(attempt), not_before, done, key),
        )

    def open_posts(self, lst: str) -> list[Post]:
        rows = self.db.execute(
            "SELECT * FROM posts WHERE list=? AND state IN ('planned','sending') ORDER BY created, rowid",
            (lst,),
        ).fetchall()
        return [Post(*r) for r in rows]

    def posts(self, lst: str | None = None) -> list[Post]:
        if lst is None:
            rows = self.db.execute("SELECT * FROM posts ORDER BY created, rowid").fetchall()
        else:
            rows = self.db.execute("SELECT * FROM posts WHERE list=? ORDER BY created, rowid", (lst,)).fetchall()
        return [Post(*r) for r in rows]

    def mails_sent_since(self, lst: str, since: float) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM posts WHERE list=? AND kind='mail' AND state IN ('sent','sending','unconfirmed') "
            "AND COALESCE(done_at, updated) >= ?",
            (lst, since),
        ).fetchone()[0]

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for table, col in (("messages", "kind"), ("series", "state"), ("posts", "state")):
            for name, count in self.db.execute(f"SELECT {col}, COUNT(*) FROM {table} GROUP BY {col}"):
                out.setdefault(table, {})[name] = count
        return out


class _Transaction:
    """``with state.transaction():`` — BEGIN IMMEDIATE ... COMMIT, or ROLLBACK."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, tb) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _message(r: tuple) -> StoredMessage:
    raw = zlib.decompress(r[8]) if r[8] is not None else None
    return StoredMessage(r[0], r[1], r[2], r[3], r[4], r[5], r[6] or "", r[7] or "", raw, r[9] or "",
                         bool(r[10]), bool(r[11]))

