"""Checkpoints on their own thread: /status and /metrics show the WAL and
the last checkpoint and both move as calls are logged; the WAL is cut to
nothing once the store is idle; from a quarter of the size cap the writer
lets a checkpoint copy it all and starts it again; past the cap it is
restarted; a
reload changes the thresholds, a bad value is refused naming the
setting; a reader holding a snapshot only delays the cut or the restart,
never a write; and calls acknowledged while the daemon is killed with
SIGKILL at random moments, with a checkpoint after every few pages, are
all there afterwards."""
import os
import random
import signal
import sqlite3
import time

from crash import CrashWriters, check_store, kill_cycles
from harness import DaemonTest, good
from test_status import metric


def store_block(**kw):
    lines = "".join(f"  {k} = {v};\n" for k, v in kw.items())
    return ('store = {\n  path = "hotline.db";\n  busy_timeout_ms = 2000;\n'
            + lines + "};")


def wait_for(pred, timeout=20.0):
    """pred() until it is true or timeout seconds pass (the thread looks
    at the WAL four times a second); its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


class WalTest(DaemonTest):
    status = True

    def wal(self):
        r = self.d.status("/status")
        self.assertEqual(r.status, 200, r)
        return r.json["store"]["wal"]

    def wal_bytes(self):
        p = self.d.db + "-wal"
        return os.path.getsize(p) if os.path.exists(p) else 0


class TestWalStatus(WalTest):
    replace = {"store": store_block(wal_checkpoint_pages=4,
                                    wal_idle_ms=300)}

    def test_fields_move_and_the_wal_is_cut_when_idle(self):
        first = self.wal()
        for k in ("size_bytes", "pages", "checkpoints", "checkpoints_busy",
                  "checkpoints_failed", "last_checkpoint"):
            self.assertIn(k, first)
        for i in range(40):
            self.assertEqual(self.d.post_call(good(notes=f"第{i}通")).status,
                             201)
        # Passive checkpoints ran while writing; then, idle, a truncate.
        st = wait_for(lambda: (lambda w: w["last_checkpoint"] is not None
                               and w["last_checkpoint"]["mode"] ==
                               "truncate" and w["last_checkpoint"]["complete"]
                               and w["size_bytes"] == 0 and w)(self.wal()))
        self.assertTrue(st, self.wal())
        self.assertGreater(st["checkpoints"], first["checkpoints"])
        self.assertEqual(st["checkpoints_failed"], 0)
        self.assertGreaterEqual(st["last_checkpoint"]["duration_ms"], 0)
        self.assertIsInstance(st["last_checkpoint"]["at"], str)
        self.assertEqual(self.wal_bytes(), 0)
        m = self.d.status("/metrics").raw.decode()
        self.assertEqual(metric(m, "hotlined_wal_bytes"), 0)
        self.assertGreater(metric(m, "hotlined_checkpoints_total",
                                  result="complete"), 0)
        self.assertEqual(metric(m, "hotlined_checkpoints_total",
                                result="failed"), 0)
        self.assertIsNotNone(metric(m, "hotlined_checkpoint_last_pages",
                                    mode="truncate"))
        # Everything written is in the database file itself now.
        db = sqlite3.connect(self.d.db)
        try:
            self.assertEqual(db.execute("SELECT count(*) FROM calls")
                             .fetchone()[0], 40)
        finally:
            db.close()

    def test_a_reader_holding_a_snapshot_delays_the_cut(self):
        self.assertEqual(self.d.post_call(good()).status, 201)
        self.assertTrue(wait_for(lambda: self.wal()["size_bytes"] == 0))
        reader = sqlite3.connect(self.d.db, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM calls").fetchone()
            for _ in range(10):
                self.assertEqual(self.d.post_call(good()).status, 201)
            # The truncate cannot finish under the reader's snapshot; it
            # is retried, never failed, and writes go on meanwhile.
            self.assertTrue(wait_for(lambda: self.wal()["checkpoints_busy"]
                                     > 0), self.wal())
            self.assertGreater(self.wal_bytes(), 0)
            self.assertEqual(self.d.post_call(good()).status, 201)
        finally:
            reader.execute("COMMIT")
            reader.close()
        self.assertTrue(wait_for(lambda: self.wal_bytes() == 0),
                        self.wal())
        self.assertEqual(self.wal()["checkpoints_failed"], 0)
        self.assertEqual(self.d.count_rows(), 12)


class TestWalCap(WalTest):
    # No passive checkpoint and no idle cut: only the cap copies the WAL.
    replace = {"store": store_block(wal_checkpoint_pages=1000000,
                                    wal_max_mb=1, wal_idle_ms=3600000)}

    def test_the_cap_restarts_the_wal_and_a_reader_only_delays_it(self):
        notes = "夜里睡不着，反复想工作上的事。" * 20
        reader = sqlite3.connect(self.d.db, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM calls").fetchone()
            # Past the cap under the reader's snapshot: every write is
            # still stored and answered; the restart waits, busy.
            for i in range(150):
                r = self.d.post_call(good(notes=f"{notes}{i}"))
                self.assertEqual(r.status, 201, r)
            self.assertTrue(wait_for(lambda: self.wal()["checkpoints_busy"]
                                     > 0), self.wal())
            self.assertGreater(self.wal_bytes(), 1 << 20)
        finally:
            reader.execute("COMMIT")
            reader.close()
        # The next writes let the restart through: the WAL starts again
        # from its beginning (the file keeps its size; its pages do not).
        for i in range(5):
            self.assertEqual(self.d.post_call(good()).status, 201)
        st = wait_for(lambda: (lambda w: (w["last_checkpoint"] or {})
                               .get("mode") == "restart" and
                               w["last_checkpoint"]["complete"] and w)(
                                   self.wal()))
        self.assertTrue(st, self.wal())
        for i in range(3):
            self.assertEqual(self.d.post_call(good()).status, 201)
        self.assertTrue(wait_for(lambda: self.wal()["pages"] < 256),
                        self.wal())
        self.assertEqual(self.wal()["checkpoints_failed"], 0)
        self.assertEqual(self.d.count_rows(), 158)


class TestWalStartsAgain(WalTest):
    # A cap of 4 MiB, passive checkpoints at 1000 pages (4 MiB too), no
    # idle cut: from half of the cap on, the writer waits for a passive
    # checkpoint to copy the WAL and then starts it again from its
    # beginning, so the file grows to about half of the cap, never near
    # the cap, and no checkpoint takes the write lock.
    replace = {"store": store_block(wal_checkpoint_pages=1000,
                                    wal_max_mb=4, wal_idle_ms=3600000)}

    def test_the_wal_starts_again_at_half_the_cap(self):
        notes = "夜里睡不着，反复想工作上的事。" * 20
        top = 0
        for i in range(400):
            r = self.d.post_call(good(notes=f"{notes}{i}"))
            self.assertEqual(r.status, 201, r)
            top = max(top, self.wal_bytes())
        # Each call's commit writes several pages: far more than the cap
        # went through the WAL, which started again each time it held
        # half of it (from a quarter, it would stay near 1 MiB).
        self.assertGreater(self.wal()["checkpoints"], 2, self.wal())
        self.assertLess(top, 3 << 20, self.wal())
        self.assertGreater(top, 3 << 19, self.wal())
        self.assertEqual(self.wal()["checkpoints_busy"], 0, self.wal())
        self.assertEqual(self.wal()["checkpoints_failed"], 0)
        self.assertEqual(self.d.count_rows(), 400)


class TestWalReload(WalTest):
    replace = {"store": store_block(wal_idle_ms=3600000)}

    def reloads(self):
        err = self.d.stderr()
        return err.count("reloaded") + err.count("reload refused")

    def reload(self, text):
        n = self.reloads()
        with open(self.d.conf, encoding="utf-8") as f:
            conf = f.read()
        start = conf.index("store = {")
        end = conf.index("};", start) + 2
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(conf[:start] + text + conf[end:])
        self.d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: self.reloads() > n),
                        self.d.stderr())

    def test_reload_changes_the_idle_cut(self):
        for _ in range(5):
            self.assertEqual(self.d.post_call(good()).status, 201)
        # An hour's idle time: the WAL stays.
        time.sleep(1)
        self.assertGreater(self.wal_bytes(), 0)
        self.reload(store_block(wal_checkpoint_pages=0))
        self.assertIn("store.wal_checkpoint_pages", self.d.stderr())
        self.assertIn("reload refused", self.d.stderr())
        self.assertGreater(self.wal_bytes(), 0)
        self.reload(store_block(wal_idle_ms=100))
        self.assertTrue(wait_for(lambda: self.wal_bytes() == 0),
                        self.wal())
        self.assertTrue(wait_for(lambda: (self.wal()["last_checkpoint"] or
                                          {}).get("mode") == "truncate"),
                        self.wal())
        self.assertEqual(self.d.post_call(good()).status, 201)
        self.assertEqual(self.d.count_rows(), 6)


class TestWalCrash(DaemonTest):
    # A checkpoint every two pages and a cut after 50 ms idle: the
    # thread is at work whenever the kill comes.
    replace = {"store": store_block(wal_checkpoint_pages=2, wal_idle_ms=50,
                                    wal_max_mb=1)}

    def test_kill9_with_checkpoints_on_their_thread_loses_nothing(self):
        rng = random.Random(20)
        w = CrashWriters(self.d, 8, seed=20).start()
        try:
            kill_cycles(self.d, w, 8, rng)
        finally:
            w.join()
        self.assertEqual(w.bad, [])
        self.assertGreater(len(w.acked), 8)
        self.d.stop()
        self.assertEqual(check_store(self.d.db, w.acked), [])
        self.d.start()
        r = self.d.request("GET", "/v1/calls?limit=1", who="chen")
        self.assertEqual(r.status, 200, r)
