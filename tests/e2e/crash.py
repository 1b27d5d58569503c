"""The crash test, shared by tests/e2e/test_crash.py (short) and
bench/torture (long): writers log calls with Idempotency-Keys and retry
each until it is acknowledged, while the daemon is killed with SIGKILL at
random moments and restarted. At the end every acknowledged call must be
stored exactly once with its content, every queue item must belong to a
stored call and match what routing gives that call, and the store must
pass PRAGMA integrity_check and foreign_key_check."""
import http.client
import random
import sqlite3
import threading
import time
import uuid

from harness import good

RETRY_PAUSE_S = 0.02
GIVE_UP_S = 120         # one call unacknowledged this long: a failure


class CrashWriters:
    def __init__(self, d, writers, seed=1):
        self.d = d
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = {}         # key -> (id, notes, risk)
        self.attempts = 0
        self.bad = []
        self.rng = random.Random(seed)
        self.threads = [threading.Thread(target=self.run, args=(n,))
                        for n in range(writers)]

    def send_until_acked(self, key, body):
        """The client's promise: the same key until an answer says stored."""
        t0 = time.monotonic()
        while True:
            with self.lock:
                self.attempts += 1
            try:
                r = self.d.post_call(body, key=key)
                if r.status in (200, 201):
                    return r.json
                if r.status != 503:
                    self.bad.append((key, r))
                    return None
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() - t0 > GIVE_UP_S:
                self.bad.append((key, "never acknowledged"))
                return None
            time.sleep(RETRY_PAUSE_S)

    def run(self, n):
        i = 0
        while not self.stop.is_set():
            key = str(uuid.uuid4())
            risk = "high" if i % 3 == 0 else "low"
            body = good(risk=risk, topics=["sleep"],
                        notes=f"writer {n} call {i} 夜班 {key}")
            rec = self.send_until_acked(key, body)
            if rec is not None:
                with self.lock:
                    self.acked[key] = (rec["id"], rec["notes"], risk)
            i += 1

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(GIVE_UP_S + 30)
            if t.is_alive():
                raise AssertionError("a writer hangs")


def kill_cycles(d, w, cycles, rng, min_s=0.05, max_s=0.6, log=None):
    """Kill d with SIGKILL cycles times, at random moments while the
    writers write, restarting it each time."""
    for c in range(cycles):
        time.sleep(rng.uniform(min_s, max_s))
        d.kill9()
        d.start()
        if log is not None:
            log(c + 1, len(w.acked), w.attempts)


def check_store(db_path, acked):
    """Every acknowledged call once, with its content; items match their
    calls (risk high: one referral to mhc at priority 1; low sleep: none);
    the file is whole. Returns a list of problems (empty: all good)."""
    problems = []
    db = sqlite3.connect(db_path)
    try:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            problems.append(f"integrity_check: {ok}")
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"foreign_key_check: {fk[:5]}")
        rows = {k: (i, notes, risk) for i, k, notes, risk in db.execute(
            "SELECT id, idem_key, notes, risk FROM calls")}
        n_calls = db.execute("SELECT count(*) FROM calls").fetchone()[0]
        items = {}
        for call_id, queue, kind, prio in db.execute(
                "SELECT call_id, queue, kind, priority FROM queue_items"):
            items.setdefault(call_id, []).append((queue, kind, prio))
        orphans = db.execute(
            "SELECT count(*) FROM queue_items q LEFT JOIN calls c"
            " ON c.id = q.call_id WHERE c.id IS NULL").fetchone()[0]
    finally:
        db.close()
    for key, (cid, notes, risk) in acked.items():
        if key not in rows:
            problems.append(f"acknowledged call {cid} ({key}) is lost")
        elif rows[key] != (cid, notes, risk):
            problems.append(f"call {cid} differs: {rows[key]}")
    if n_calls != len(rows):
        problems.append(f"{n_calls} rows for {len(rows)} keys")
    # Every key was retried until acknowledged: nothing else is stored.
    extra = set(rows) - set(acked)
    if extra:
        problems.append(f"{len(extra)} stored calls nobody acknowledged")
    if orphans:
        problems.append(f"{orphans} queue items without their call")
    for key, (cid, notes, risk) in rows.items():
        want = [("mhc", "referral", 1)] if risk == "high" else []
        if items.get(cid, []) != want:
            problems.append(f"call {cid} ({risk}) has items "
                            f"{items.get(cid)}, not {want}")
    return problems[:20]
