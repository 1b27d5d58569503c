"""What a client is told was kept is on the disk first: strace watches the
daemon's system calls while calls are logged one after another, and every
201 must be written to its socket only after an fdatasync (or fsync) of
the WAL that ended after the WAL's last write before it. The commit's sync
runs on a thread of its own (daemon/store_sync.c) while the loop goes on,
so this is the check that the loop never answers ahead of the disk."""
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

from harness import Daemon, DaemonTest, good

LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
CALL = re.compile(r"^(\w+)\((\d+)<([^>]*)>(.*)$")
RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
# The result and the time taken, at the end of the line (never inside the
# data shown, which may hold "= 12").
DONE = re.compile(r"\)\s+=\s+(-?\d+)(?:\s+[^<]*)?\s+<(\d+\.\d+)>\s*$")


def parse(path):
    """Each system call as (name, fd path, start, end, result, text)."""
    calls, open_ = [], {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            m = LINE.match(raw.rstrip("\n"))
            if m is None:
                continue
            tid, ts, rest = m.group(1), float(m.group(2)), m.group(3)
            r = RESUMED.match(rest)
            if r is not None:
                if tid not in open_:
                    continue
                name, fd, start, text = open_.pop(tid)
                d = DONE.search(r.group(2))
                if d is not None and name == r.group(1):
                    calls.append((name, fd, start, ts, int(d.group(1)),
                                  text + r.group(2)))
                continue
            c = CALL.match(rest)
            if c is None:
                continue
            name, fd, text = c.group(1), c.group(3), c.group(4)
            if text.endswith("<unfinished ...>"):
                open_[tid] = (name, fd, ts, text)
                continue
            d = DONE.search(text)
            if d is not None:
                calls.append((name, fd, ts, ts + float(d.group(2)),
                              int(d.group(1)), text))
    return calls


def commit_hist(d):
    """hotlined_commit_duration_seconds' count and sum, from /metrics."""
    text = d.status("/metrics").raw.decode()
    got = {}
    for ln in text.splitlines():
        for k in ("count", "sum"):
            name = "hotlined_commit_duration_seconds_" + k + " "
            if ln.startswith(name):
                got[k] = float(ln[len(name):])
    return got["count"], got["sum"]


class TestSyncedBeforeAnswered(DaemonTest):
    N = 25
    status = True

    def strace(self, out, *extra):
        """strace attached to the daemon, its output in out; started once
        it says it is attached (skipped where it cannot attach)."""
        if shutil.which("strace") is None:
            self.skipTest("strace is not installed (make deps-test)")
        err = open(os.path.join(self.tmp, "strace.err"), "w+")
        st = subprocess.Popen(
            ["strace", "-f", "-y", "-ttt", "-T", "-s", "40", "-o", out,
             "-e", "trace=pwrite64,fdatasync,fsync,write,writev,sendmsg",
             *extra, "-p", str(self.d.proc.pid)], stderr=err)
        deadline = time.monotonic() + 15
        while True:
            err.seek(0)
            said = err.read()
            if st.poll() is not None:
                err.close()
                self.skipTest(f"strace cannot attach: {said}")
            if "attached" in said:
                break
            if time.monotonic() > deadline:
                st.kill()
                self.fail("strace did not attach within 15 s")
            time.sleep(0.05)
        err.close()
        return st

    def test_every_201_follows_a_sync_of_the_wal(self):
        out = os.path.join(self.tmp, "strace.out")
        # Each fdatasync made 20 ms slower: an answer that does not wait
        # for it goes out first, whatever the disk (a tmpfs syncs at once).
        st = self.strace(out, "-e", "inject=fdatasync:delay_exit=20000")
        try:
            time.sleep(0.2)
            count0, sum0 = commit_hist(self.d)
            for i in range(self.N):
                r = self.d.post_call(good(notes=f"synced first {i}"),
                                     key=f"sync-{i}")
                self.assertEqual(r.status, 201, r)
            # The status snapshot follows within milliseconds.
            deadline = time.monotonic() + 10
            while True:
                count1, sum1 = commit_hist(self.d)
                if count1 - count0 >= self.N or \
                        time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        finally:
            st.terminate()
            st.wait(timeout=30)
        calls = parse(out)
        wal = [c for c in calls if c[1].endswith("-wal")]
        writes = [c for c in wal if c[0] == "pwrite64" and c[4] > 0]
        syncs = [c for c in wal if c[0] in ("fdatasync", "fsync")
                 and c[4] == 0]
        answers = [c for c in calls if c[1].startswith(("socket:", "TCP", "UNIX"))
                   and "HTTP/1.1 201" in c[5]]
        self.assertEqual(len(answers), self.N, "the answers seen by strace")
        self.assertTrue(writes, "no write of the WAL seen")
        least = 0.0
        prev = 0.0
        for a in answers:
            before = [w for w in writes if w[3] <= a[2]]
            self.assertTrue(before, f"an answer before any WAL write: {a}")
            last = before[-1]
            ok = [s for s in syncs if s[2] >= last[3] and s[3] <= a[2]]
            self.assertTrue(ok, "a 201 went out %.6f s after the WAL's "
                            "last write (%.6f), with no sync of the WAL "
                            "between them" % (a[2], last[3]))
            # This call's commit: its WAL writes since the last answer,
            # until the sync that covered them ended.
            first = min(w[2] for w in before if w[2] > prev)
            least += ok[0][3] - first
            prev = a[3]
        # Each commit is timed until its sync ended (what its writer
        # waited for): the commits' histogram holds at least that.
        self.assertGreaterEqual(count1 - count0, self.N)
        self.assertGreaterEqual(sum1 - sum0, least,
                                "commits timed without their sync")

    def test_a_disk_that_hangs_is_said(self):
        out = os.path.join(self.tmp, "strace.out")
        self.assertEqual(self.d.status("/healthz").status, 200)
        # The next sync takes 12 s: the write waits for it, and from 10 s
        # on /healthz says why; then it is answered, and all is well.
        st = self.strace(out, "-e",
                         "inject=fdatasync:delay_exit=12000000:when=1")
        try:
            box = {}

            def post():
                box["r"] = self.d.post_call(good(notes="a slow disk"),
                                            key="slow-disk")
            t = threading.Thread(target=post)
            t.start()
            deadline = time.monotonic() + 30
            while True:
                r = self.d.status("/healthz")
                if r.status != 200:
                    break
                self.assertLess(time.monotonic(), deadline, r)
                time.sleep(0.2)
            self.assertIn("has not synced the log", r.raw.decode())
            self.assertTrue(t.is_alive(), "answered before its sync")
            t.join(30)
            self.assertEqual(box["r"].status, 201, box["r"])
        finally:
            st.terminate()
            st.wait(timeout=30)
        deadline = time.monotonic() + 10
        while self.d.status("/healthz").status != 200:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.2)


class TestSymlinkedStore(unittest.TestCase):
    """store.path a symlink to the database: SQLite keeps the log beside
    the target, and that is the file the sync thread must sync."""

    def test_writes_on_a_symlinked_store(self):
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        try:
            real = os.path.join(tmp, "real")
            os.mkdir(real)
            sqlite3.connect(os.path.join(real, "hotline.db")).close()
            os.symlink(os.path.join(real, "hotline.db"),
                       os.path.join(tmp, "hotline.db"))
            d = Daemon(tmp).start()
            try:
                for i in range(3):
                    r = d.post_call(good(notes=f"linked {i}"),
                                    key=f"linked-{i}")
                    self.assertEqual(r.status, 201, r)
                self.assertTrue(os.path.exists(os.path.join(
                    real, "hotline.db-wal")))
                self.assertFalse(os.path.exists(os.path.join(
                    tmp, "hotline.db-wal")))
            finally:
                self.assertEqual(d.stop(), 0)
            db = sqlite3.connect(os.path.join(real, "hotline.db"))
            n = db.execute("SELECT count(*) FROM calls").fetchone()[0]
            db.close()
            self.assertEqual(n, 3)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_status_sizes_on_a_symlinked_store(self):
        """/status counts the WAL that SQLite writes, beside the target,
        in the store's size, not a missing file beside the link."""
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        try:
            real = os.path.join(tmp, "real")
            os.mkdir(real)
            db, wal = (os.path.join(real, "hotline.db"),
                       os.path.join(real, "hotline.db-wal"))
            sqlite3.connect(db).close()
            os.symlink(db, os.path.join(tmp, "hotline.db"))
            # An hour's idle time: the WAL is not cut while we look.
            d = Daemon(tmp, status=True, replace={"store": (
                'store = {\n  path = "hotline.db";\n'
                '  busy_timeout_ms = 2000;\n  wal_idle_ms = 3600000;\n};')})
            d.start()
            try:
                for i in range(3):
                    r = d.post_call(good(notes=f"linked {i}"),
                                    key=f"linked-{i}")
                    self.assertEqual(r.status, 201, r)
                self.assertGreater(os.path.getsize(wal), 0)

                def sizes():
                    st = d.status("/status").json["store"]
                    return ((st["size_bytes"], st["wal"]["size_bytes"]),
                            (os.path.getsize(db) + os.path.getsize(wal),
                             os.path.getsize(wal)))
                # The sizes are taken once a second: until they are.
                deadline = time.monotonic() + 10
                shown, real_sizes = sizes()
                while shown != real_sizes and time.monotonic() < deadline:
                    time.sleep(0.2)
                    shown, real_sizes = sizes()
                self.assertEqual(shown, real_sizes)
            finally:
                self.assertEqual(d.stop(), 0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
