"""Many writers at once: group commit loses nothing and makes no duplicate,
not under parallel load, not when the daemon is killed with -9 or stopped
with SIGTERM in the middle of it, not when the same Idempotency-Key races
against itself."""
import http.client
import signal
import sqlite3
import threading
import time
import unittest
import uuid

from harness import DaemonTest, good

WRITERS = 8


def stored(db_path):
    """{id: notes} of every committed call, read straight from the file."""
    db = sqlite3.connect(db_path)
    try:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = dict(db.execute("SELECT id, notes FROM calls"))
    finally:
        db.close()
    return ok, rows


class Writers:
    """WRITERS threads posting calls with fresh keys until told to stop or
    until the daemon goes away. Remembers every attempt and every 201."""

    def __init__(self, d, per_thread=None):
        self.d = d
        d.stopping = False
        self.per_thread = per_thread
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.attempts = {}      # key -> body
        self.acked = {}         # id -> notes, for each 201/200
        self.bad = []           # unexpected answers
        self.threads = [threading.Thread(target=self.run, args=(n,))
                        for n in range(WRITERS)]

    def run(self, n):
        i = 0
        while not self.stop.is_set():
            if self.per_thread is not None and i >= self.per_thread:
                return
            key = str(uuid.uuid4())
            body = good(notes=f"writer {n} call {i} {key}")
            with self.lock:
                self.attempts[key] = body
            try:
                r = self.d.post_call(body, key=key)
            except (OSError, http.client.HTTPException):
                return          # the daemon went away: this one is unknown
            with self.lock:
                if r.status in (200, 201):
                    self.acked[r.json["id"]] = r.json["notes"]
                elif r.status == 503 and self.d.stopping:
                    # Refused while shutting down: not stored, the
                    # client retries (checked by retry_unknown).
                    pass
                else:
                    self.bad.append(r)
            i += 1

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self, stop=True):
        if stop:
            self.stop.set()
        for t in self.threads:
            t.join(60)
            if t.is_alive():
                raise AssertionError("a writer thread hangs")

    def wait_acked(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.acked) >= n:
                    return
            time.sleep(0.002)
        raise AssertionError(f"fewer than {n} calls acknowledged in "
                             f"{timeout} s")


class TestConcurrentWriters(DaemonTest):
    def test_parallel_posts_all_stored_once(self):
        w = Writers(self.d, per_thread=25).start()
        w.join(stop=False)
        self.assertEqual(w.bad, [])
        self.assertEqual(len(w.acked), WRITERS * 25)
        ok, rows = stored(self.d.db)
        self.assertEqual(ok, "ok")
        self.assertEqual(rows, w.acked)
        listed, cursor = [], None
        while True:
            r = self.d.request("GET", "/v1/calls?limit=37" +
                               (f"&cursor={cursor}" if cursor else ""),
                               who="chen")
            self.assertEqual(r.status, 200, r)
            listed += [c["id"] for c in r.json["calls"]]
            cursor = r.json["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(sorted(listed), sorted(w.acked))

    def test_same_key_racing_makes_one_record(self):
        body = good(notes="the same call, sent eight times at once")
        barrier = threading.Barrier(WRITERS)
        answers = []
        lock = threading.Lock()

        def send():
            barrier.wait()
            r = self.d.post_call(body, key="racing-key")
            with lock:
                answers.append(r)

        threads = [threading.Thread(target=send) for _ in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = sorted(r.status for r in answers)
        self.assertEqual(statuses, [200] * (WRITERS - 1) + [201], answers)
        self.assertEqual(len({r.json["id"] for r in answers}), 1)
        self.assertEqual(self.d.count_rows(), 1)

    def test_same_key_racing_different_bodies(self):
        barrier = threading.Barrier(WRITERS)
        answers = []
        lock = threading.Lock()

        def send(n):
            barrier.wait()
            r = self.d.post_call(good(notes=f"body {n}"), key="one-key")
            with lock:
                answers.append(r)

        threads = [threading.Thread(target=send, args=(n,))
                   for n in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = sorted(r.status for r in answers)
        self.assertEqual(statuses, [201] + [409] * (WRITERS - 1), answers)
        for r in answers:
            if r.status == 409:
                self.assertEqual(r.json["error"], "idempotency_conflict")
        self.assertEqual(self.d.count_rows(), 1)


class TestStopUnderLoad(DaemonTest):
    def retry_unknown(self, w):
        """After the restart, send every attempt again with its key: each
        answers 200 (it was stored) or 201 (it was not), never a second
        record, and every acknowledged call is still there."""
        for key, body in w.attempts.items():
            r = self.d.post_call(body, key=key)
            self.assertIn(r.status, (200, 201), r)
            if r.json["id"] in w.acked:
                self.assertEqual(r.status, 200, (key, r))
        self.assertEqual(self.d.count_rows(), len(w.attempts))

    def test_kill9_under_load_loses_no_acknowledged_call(self):
        w = Writers(self.d).start()
        try:
            w.wait_acked(60)
            self.d.kill9()
        finally:
            w.join()
        self.assertEqual(w.bad, [])
        ok, rows = stored(self.d.db)
        self.assertEqual(ok, "ok")
        for cid, notes in w.acked.items():
            self.assertEqual(rows.get(cid), notes, f"call {cid} was lost")
        self.d.start()
        self.retry_unknown(w)

    def test_sigterm_under_load_exits_0_and_keeps_every_answer(self):
        w = Writers(self.d).start()
        try:
            w.wait_acked(60)
            self.d.stopping = True
            self.d.proc.send_signal(signal.SIGTERM)
            rc = self.d.proc.wait(timeout=30)
        finally:
            w.join()
        self.d._finish()
        self.assertEqual(rc, 0, self.d.stderr())
        self.assertEqual(w.bad, [])
        ok, rows = stored(self.d.db)
        self.assertEqual(ok, "ok")
        for cid, notes in w.acked.items():
            self.assertEqual(rows.get(cid), notes, f"call {cid} was lost")
        self.d.start()
        self.retry_unknown(w)


if __name__ == "__main__":
    unittest.main()
