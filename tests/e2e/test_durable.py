"""The daemon never loses an acknowledged record: a full disk (on a small
tmpfs made for the test), an online backup and its restore, start-up on a
database from a newer schema (refused) and from an older one (migrated
after a copy is kept aside)."""
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

from harness import HOTLINED, ROOT_ARGS, Daemon, DaemonTest, good

# Migration 1 of daemon/store.c: what a version-1 database holds.
SCHEMA_V1 = """
CREATE TABLE calls (
  id INTEGER PRIMARY KEY, line TEXT NOT NULL, started_at INTEGER NOT NULL,
  duration_s INTEGER, operator TEXT NOT NULL, call_type TEXT NOT NULL,
  caller_type TEXT NOT NULL, gender TEXT, age_band TEXT, risk TEXT NOT NULL,
  outcome TEXT, callback_at INTEGER, notes TEXT,
  consent INTEGER NOT NULL DEFAULT 0, caller_name TEXT, caller_contact TEXT,
  caller_hash TEXT, assess_desire TEXT, assess_capability TEXT,
  assess_intent TEXT, assess_buffers TEXT,
  emergency INTEGER NOT NULL DEFAULT 0,
  repeat_calls INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1,
  idem_key TEXT, fingerprint TEXT, UNIQUE (operator, idem_key));
CREATE INDEX calls_started ON calls (started_at, id);
CREATE INDEX calls_operator ON calls (operator, started_at, id);
CREATE INDEX calls_caller_hash ON calls (caller_hash)
  WHERE caller_hash IS NOT NULL;
CREATE TABLE call_topics (
  call_id INTEGER NOT NULL REFERENCES calls (id), pos INTEGER NOT NULL,
  topic TEXT NOT NULL, PRIMARY KEY (call_id, pos), UNIQUE (call_id, topic)
) WITHOUT ROWID;
CREATE INDEX call_topics_topic ON call_topics (topic, call_id);
CREATE TABLE call_history (
  id INTEGER PRIMARY KEY, call_id INTEGER NOT NULL REFERENCES calls (id),
  version INTEGER NOT NULL, amended_at INTEGER NOT NULL,
  amended_by TEXT NOT NULL, changes TEXT NOT NULL,
  UNIQUE (call_id, version));
INSERT INTO calls (line, started_at, operator, call_type, caller_type,
  risk, notes, created_at, updated_at)
  VALUES ('400', 1581874200, 'wang', 'counseling', 'medic', 'low',
  '迁移前的记录', 1581874200, 1581874200);
INSERT INTO call_topics VALUES (1, 0, 'anxiety');
PRAGMA user_version = 1;
"""


def integrity(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


class TestDiskFull(unittest.TestCase):
    """The store on a 3 MB tmpfs; a filler file takes the rest."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        self.mnt = os.path.join(self.tmp, "small")
        os.mkdir(self.mnt)
        try:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m",
                            "tmpfs", self.mnt], check=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except (OSError, subprocess.CalledProcessError) as e:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.skipTest(f"cannot mount a small tmpfs (needs root and "
                          f"permission to mount): {e}")
        self.d = Daemon(self.mnt).start()

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            subprocess.run(["umount", "-l", self.mnt])
            shutil.rmtree(self.tmp, ignore_errors=True)

    def fill(self):
        """Take every free byte of the tmpfs."""
        path = os.path.join(self.mnt, "filler")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (65536, 512):
                try:
                    while os.write(fd, b"\0" * size) > 0:
                        pass
                except OSError:
                    pass
        finally:
            os.close(fd)
        return path

    def test_full_disk_503_reads_go_on_writes_resume(self):
        acked = {}
        for i in range(20):
            r = self.d.post_call(good(notes=f"before {i}"))
            self.assertEqual(r.status, 201, r)
            acked[r.json["id"]] = r.json["notes"]
        filler = self.fill()
        # Writes fail, clearly, and are not acknowledged. A write can
        # still fit in the last free pages: send 8 at once (so that they
        # share a batch whose commit fails) until some are refused.
        refused = None
        for n in range(50):
            answers = {}

            def send(i):
                answers[i] = self.d.post_call(
                    good(notes="x" * 1500 + f" full {i}"), key=f"full-{i}")

            ts = [threading.Thread(target=send, args=(n * 8 + k,))
                  for k in range(8)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(60)
            for i, r in sorted(answers.items()):
                self.assertIn(r.status, (201, 503), r)
                if r.status == 201:
                    acked[r.json["id"]] = r.json["notes"]
                elif refused is None:
                    refused = (i, r)
            if refused is not None:
                break
        self.assertIsNotNone(refused, "no write was refused on a full "
                             "disk")
        i, r = refused
        self.assertEqual(r.json["error"], "store_unavailable", r)
        self.assertIn("disk is full", r.json["message"])
        self.assertIn("the disk is full", self.d.stderr())
        # Reads still work, the daemon stays up: the operator's own list
        # needs no audit row. A supervisor's list shows the notes of
        # others' calls, which needs one per call: refused, nothing shown.
        r = self.d.request("GET", "/v1/calls?limit=100", who="wang")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["calls"]), len(acked))
        r = self.d.request("GET", "/v1/calls?limit=100", who="chen")
        self.assertEqual(r.status, 503, r)
        self.assertIn("audit trail", r.json["message"])
        self.assertIn("disk is full", r.json["message"])
        self.assertNotIn("before 0", r.raw.decode())
        first = min(acked)
        self.assertEqual(self.d.request("GET", f"/v1/calls/{first}",
                                        who="wang").status, 200)
        self.assertIsNone(self.d.proc.poll())
        # Space comes back: the probe sees it without any client write
        # (logged), and the refused write goes through with its key.
        os.unlink(filler)
        deadline = time.time() + 20
        while "the store writes again" not in self.d.stderr():
            self.assertLess(time.time(), deadline, "the daemon did not "
                            "see the space come back")
            time.sleep(0.1)
        r = self.d.post_call(good(notes="x" * 1500 + f" full {i}"),
                             key=f"full-{i}")
        self.assertEqual(r.status, 201, r)
        acked[r.json["id"]] = r.json["notes"]
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check")
                             .fetchone()[0], "ok")
            rows = dict(db.execute("SELECT id, notes FROM calls"))
        finally:
            db.close()
        self.assertEqual(rows, acked)


class TestFileModes(DaemonTest):
    def test_store_files_private_whatever_the_umask(self):
        # Started from a shell with umask 022 (not under the unit's
        # UMask=0077): the store and its journal are still 0600.
        self.d.stop()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.d.db + suffix):
                os.unlink(self.d.db + suffix)
        old = os.umask(0o022)
        try:
            self.d.start()
        finally:
            os.umask(old)
        self.assertEqual(self.d.post_call(good()).status, 201)
        for suffix in ("", "-wal", "-shm"):
            mode = os.stat(self.d.db + suffix).st_mode & 0o777
            self.assertEqual(mode, 0o600, (suffix, oct(mode)))


class TestBackup(DaemonTest):
    def test_backup_while_serving_then_restore(self):
        ids = {}
        for i in range(30):
            r = self.d.post_call(good(notes=f"备份 {i}",
                                      risk="high" if i % 3 == 0 else "low"))
            self.assertEqual(r.status, 201, r)
            ids[r.json["id"]] = r.json["notes"]
        dest = os.path.join(self.tmp, "copy.db")
        # Writers go on during the backup: the copy is one snapshot.
        stop = threading.Event()
        during = []

        def write():
            n = 0
            while not stop.is_set():
                r = self.d.post_call(good(notes=f"during {n}"))
                during.append(r.status)
                n += 1

        t = threading.Thread(target=write)
        t.start()
        try:
            p = subprocess.run([HOTLINED] + ROOT_ARGS +
                               ["-c", self.d.conf, "--backup", dest],
                               cwd=self.tmp, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
        finally:
            stop.set()
            t.join(60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(set(during), {201})
        copy = sqlite3.connect(dest)
        try:
            for cid, notes in copy.execute("SELECT id, notes FROM calls"
                                           " WHERE notes LIKE 'during %'"):
                ids[cid] = notes
        finally:
            copy.close()
        self.assertEqual(integrity(dest), "ok")
        self.assertEqual(os.stat(dest).st_mode & 0o777, 0o600)
        self.assertFalse([n for n in os.listdir(self.tmp) if ".tmp-" in n])
        # The daemon serves on; what comes after is not in the copy.
        r = self.d.post_call(good(notes="after the backup"))
        self.assertEqual(r.status, 201, r)
        later = r.json["id"]
        # Restore as docs/operations.md says: stop, replace, start.
        self.d.stop()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.d.db + suffix):
                os.unlink(self.d.db + suffix)
        shutil.copy(dest, self.d.db)
        self.d.start()
        for cid, notes in ids.items():
            r = self.d.request("GET", f"/v1/calls/{cid}")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["notes"], notes)
        self.assertEqual(self.d.request("GET", f"/v1/calls/{later}")
                         .status, 404)
        items = self.d.request("GET", "/v1/queues/mhc?state=open",
                               who="chen")
        self.assertEqual(items.status, 200, items)
        self.assertEqual(self.d.count_rows(), len(ids))
        self.assertEqual(self.d.count_rows("queue_items"), 10)
        self.assertEqual(integrity(self.d.db), "ok")

    def test_backup_errors_are_clear(self):
        p = subprocess.run([HOTLINED] + ROOT_ARGS +
                           ["-c", self.d.conf, "--backup",
                            os.path.join(self.tmp, "no", "such", "dir.db")],
                           cwd=self.tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"backup of", p.stderr)
        self.assertIn(b"No such file or directory", p.stderr)


class TestSchemaVersions(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        self.d = Daemon(self.tmp)

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def test_newer_schema_refused_clearly(self):
        db = sqlite3.connect(self.d.db)
        db.execute("PRAGMA user_version = 99")
        db.close()
        p = subprocess.run([HOTLINED] + ROOT_ARGS +
                           ["-f", "-c", self.d.conf], cwd=self.tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        self.assertEqual(p.returncode, 1)
        err = p.stderr.decode()
        self.assertIn("schema version 99, newer than this hotlined knows",
                      err)
        self.assertIn("run a newer hotlined", err)

    def test_start_waits_out_another_process_lock(self):
        """A fresh store locked by another process (a backup, sqlite3 by
        hand) for less than busy_timeout_ms: the daemon waits for it to
        create the schema, rather than failing to start."""
        db = sqlite3.connect(self.d.db, isolation_level=None,
                             check_same_thread=False)
        db.execute("BEGIN IMMEDIATE")
        db.execute("CREATE TABLE someone_elses (x)")
        threading.Timer(1.0, lambda: (db.execute("ROLLBACK"),
                                      db.close())).start()
        self.d.start()
        self.assertEqual(self.d.post_call(good()).status, 201)
        now = sqlite3.connect(self.d.db)
        try:
            self.assertEqual(now.execute("PRAGMA journal_mode").fetchone(),
                             ("wal",))
            self.assertEqual(now.execute("SELECT count(*) FROM calls")
                             .fetchone(), (1,))
        finally:
            now.close()

    def test_start_gives_up_after_busy_timeout(self):
        d = Daemon(self.tmp, busy_ms=300)
        db = sqlite3.connect(d.db, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("CREATE TABLE someone_elses (x)")
        try:
            p = subprocess.run([HOTLINED] + ROOT_ARGS + ["-f", "-c", d.conf],
                               cwd=self.tmp, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(b"database is locked", p.stderr)

    def test_older_schema_copied_aside_then_migrated(self):
        db = sqlite3.connect(self.d.db)
        db.executescript(SCHEMA_V1)
        db.close()
        self.d.start()
        aside = self.d.db + ".v1.bak"
        self.assertTrue(os.path.exists(aside))
        self.assertIn(aside.split("/")[-1], self.d.stderr())
        self.assertIn("retention does not reach it", self.d.stderr())
        self.assertEqual(os.stat(aside).st_mode & 0o777, 0o600)
        m = re.search(r"migrated from version 1 to (\d+)\n",
                      self.d.stderr())
        self.assertIsNotNone(m, self.d.stderr())
        now = sqlite3.connect(self.d.db)
        try:
            # Every migration ran: the store is at the newest version.
            self.assertEqual(now.execute("PRAGMA user_version")
                             .fetchone()[0], int(m.group(1)))
            self.assertGreaterEqual(int(m.group(1)), 4)
        finally:
            now.close()
        # The call of version 1 is in the rollups built after migrating.
        self.assertIn("statistics rollups built from 1 calls",
                      self.d.stderr())
        old = sqlite3.connect(aside)
        try:
            self.assertEqual(old.execute("PRAGMA user_version")
                             .fetchone()[0], 1)
            self.assertEqual(old.execute("SELECT notes FROM calls")
                             .fetchall(), [("迁移前的记录",)])
        finally:
            old.close()
        r = self.d.request("GET", "/v1/calls/1", who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["notes"], "迁移前的记录")
        r = self.d.post_call(good(risk="high"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["queue"]["code"], "mhc")
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        try:
            self.assertEqual(db.execute("PRAGMA user_version")
                             .fetchone()[0], int(m.group(1)))
        finally:
            db.close()
        # A second start has nothing to migrate and keeps no new copy.
        self.d.start()
        self.d.stop()
        self.assertEqual(sorted(n for n in os.listdir(self.tmp)
                                if ".bak" in n), ["hotline.db.v1.bak"])


if __name__ == "__main__":
    unittest.main()
