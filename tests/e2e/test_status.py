"""The status listener: counts that move as calls are logged and survive a
restart, the day rolling over at the configured timezone's midnight,
/metrics that promtool accepts, a database locked by another process,
500 busy API connections, bad requests, and the client's hotline status."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
from datetime import datetime, timedelta, timezone

from harness import HOTLINE, Daemon, DaemonTest, good


def metric(text, name, **labels):
    """The value of one sample in a text exposition, or None."""
    want = ",".join('%s="%s"' % kv for kv in labels.items())
    line = name + ("{%s}" % want if labels else "")
    for ln in text.splitlines():
        if ln.startswith(line + " "):
            return float(ln.split()[-1])
    return None


def eventually(fn, timeout=3):
    """fn() until it returns a true value or timeout seconds pass: the
    request and connection counts reach the status snapshot within a
    second (the status listener's own) or a few milliseconds (the API's)."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.05)


def line_of(st, code):
    return next(x for x in st["lines"] if x["code"] == code)


class StatusTest(DaemonTest):
    status = True

    def st(self):
        r = self.d.status("/status")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"],
                         "application/json; charset=utf-8")
        return r.json

    def status_client(self, *args, env=None):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("HOTLINE_")}
        e["HOME"] = self.tmp
        e["XDG_CONFIG_HOME"] = os.path.join(self.tmp, "xdg")
        e.update(env or {})
        p = subprocess.run([HOTLINE] + list(args), env=e,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        p.out = p.stdout.decode("utf-8", "replace")
        p.err = p.stderr.decode("utf-8", "replace")
        return p


class TestStatusCounts(StatusTest):
    def test_counts_move_and_survive_restart(self):
        st = self.st()
        self.assertEqual([x["code"] for x in st["lines"]],
                         ["400", "9120", "2325"])
        self.assertEqual(line_of(st, "400")["calls_today"], 0)
        self.assertIsNone(line_of(st, "400")["last_call_at"])
        self.assertEqual(st["operators_active_today"], 0)
        self.assertEqual([(q["code"], q["waiting"], q["claimed"])
                          for q in st["queues"]],
                         [("mhc", 0, 0), ("legal", 0, 0), ("family", 0, 0)])
        self.assertTrue(st["store"]["ok"])
        self.assertEqual(st["store"]["path"], "hotline.db")
        self.assertGreater(st["store"]["size_bytes"], 0)
        self.assertEqual(st["timezone"], "Asia/Shanghai")
        for who in ("wang", "wang", "li"):
            self.assertEqual(self.d.post_call(good(), who=who).status, 201)
        self.assertEqual(self.d.post_call(good(line="9120", risk="high"))
                         .status, 201)
        # A call from two days ago counts in the totals, not today.
        old = (datetime.now(timezone.utc) - timedelta(days=2)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        self.assertEqual(self.d.post_call(good(started_at=old)).status, 201)
        # A replay of a stored call is not a new call.
        self.d.post_call(good(), key="same-key")
        self.d.post_call(good(), key="same-key")
        st = self.st()
        l400 = line_of(st, "400")
        self.assertEqual((l400["calls_today"], l400["calls_last_hour"]),
                         (4, 4))
        self.assertIsNotNone(l400["last_call_at"])
        self.assertEqual(line_of(st, "9120")["calls_today"], 1)
        self.assertEqual(line_of(st, "2325")["calls_today"], 0)
        self.assertEqual(st["operators_active_today"], 2)
        # The high-risk call waits in the mental-health center's queue.
        mhc = next(q for q in st["queues"] if q["code"] == "mhc")
        self.assertEqual((mhc["waiting"], mhc["claimed"]), (1, 0))
        self.assertIsNotNone(st["store"]["last_commit_at"])
        api = "tcp:127.0.0.1:%d" % self.d.port
        self.assertTrue(eventually(
            lambda: self.st()["requests"][api]["2xx"] >= 7))
        m = self.d.status("/metrics").raw.decode()
        self.assertEqual(metric(m, "hotlined_calls_total", line="400",
                                caller_type="medic", risk="low"), 5)
        self.assertEqual(metric(m, "hotlined_calls_total", line="9120",
                                caller_type="medic", risk="high"), 1)

        self.d.restart()
        st2 = self.st()
        for code in ("400", "9120", "2325"):
            a, b = line_of(st, code), line_of(st2, code)
            self.assertEqual((a["calls_today"], a["calls_last_hour"],
                              a["last_call_at"]),
                             (b["calls_today"], b["calls_last_hour"],
                              b["last_call_at"]), code)
        self.assertEqual(st2["operators_active_today"], 2)
        m = self.d.status("/metrics").raw.decode()
        self.assertEqual(metric(m, "hotlined_calls_total", line="400",
                                caller_type="medic", risk="low"), 5)
        self.assertEqual(self.d.post_call(good(line="2325")).status, 201)
        self.assertEqual(line_of(self.st(), "2325")["calls_today"], 1)

    def test_unix_socket_and_mode(self):
        self.assertEqual(os.stat(self.d.status_sock).st_mode & 0o777, 0o666)
        r = self.d.status("/healthz", unix=True)
        self.assertEqual((r.status, r.raw), (200, b"ok\n"))

    def test_head(self):
        r = self.d.status("/status", method="HEAD")
        self.assertEqual((r.status, r.raw), (200, b""))

    def test_client(self):
        self.d.post_call(good())
        addr = "http://127.0.0.1:%d" % self.d.status_port
        p = self.status_client("--status", addr, "status")
        self.assertEqual(p.returncode, 0, p.err)
        lines = p.out.splitlines()
        self.assertTrue(lines[0].startswith("hotlined "), p.out)
        self.assertIn("store ok", lines[0])
        self.assertRegex(p.out, r"line  400 .*: 1 today, 1 last hour")
        p = self.status_client("status", "--json",
                               env={"HOTLINE_STATUS": "unix:" +
                                    self.d.status_sock})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn('"calls_today":1', p.out.replace(" ", ""))
        # --watch redraws until interrupted (SIGINT as a terminal sends
        # it, even when this run was started with SIGINT ignored, as a
        # background job is).
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("HOTLINE_")}
        w = subprocess.Popen([HOTLINE, "--status", addr, "status",
                              "--watch", "1"], stdout=subprocess.PIPE,
                             env=e, preexec_fn=lambda: signal.signal(
                                 signal.SIGINT, signal.SIG_DFL))
        time.sleep(2.5)
        w.send_signal(signal.SIGINT)
        out = w.communicate(timeout=10)[0].decode()
        self.assertGreaterEqual(out.count("\033[H\033[2J"), 2, out)
        p = self.status_client("--status", "http://127.0.0.1:1", "status")
        self.assertEqual(p.returncode, 1)
        p = self.status_client("status", "--watch=0")
        self.assertEqual(p.returncode, 2)


class TestStatusReload(StatusTest):
    def test_reload_keeps_adds_and_drops_status_listeners(self):
        from harness import free_port
        self.d.post_call(good())
        with open(self.d.conf, encoding="utf-8") as f:
            conf = f.read()
        extra = free_port()
        old = '"tcp:127.0.0.1:%d" ]' % self.d.status_port
        self.assertIn(old, conf)
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(conf.replace(old, '"tcp:127.0.0.1:%d", '
                                 '"tcp:127.0.0.1:%d" ]' %
                                 (self.d.status_port, extra)))
        ino = os.stat(self.d.status_sock).st_ino
        self.d.proc.send_signal(signal.SIGHUP)

        def on_extra():
            try:
                c = socket.create_connection(("127.0.0.1", extra), 1)
                c.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
                return c.recv(100).startswith(b"HTTP/1.0 200")
            except OSError:
                return False
        self.assertTrue(eventually(on_extra))
        # Unchanged listeners were kept, not re-bound.
        self.assertEqual(os.stat(self.d.status_sock).st_ino, ino)
        st = self.st()
        self.assertEqual(line_of(st, "400")["calls_today"], 1)
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(conf)
        self.d.proc.send_signal(signal.SIGHUP)
        self.assertTrue(eventually(lambda: not on_extra()))
        self.assertEqual(self.d.status("/healthz", unix=True).status, 200)
        self.assertEqual(self.d.post_call(good()).status, 201)
        self.assertEqual(line_of(self.st(), "400")["calls_today"], 2)


class TestStatusShutdown(StatusTest):
    def test_healthz_says_shutting_down(self):
        """After SIGTERM the API stops accepting; for the half second the
        answers in flight get to drain, /healthz says why it is 503."""
        self.assertEqual(self.d.status("/healthz", unix=True).status, 200)
        self.d.proc.send_signal(signal.SIGTERM)
        seen = []
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                r = self.d.status("/healthz", unix=True, timeout=2)
            except OSError:
                break
            seen.append((r.status, r.raw))
            if r.status == 503:
                m = self.d.status("/metrics", unix=True, timeout=2)
                self.assertEqual(metric(m.raw.decode(), "hotlined_up"), 0)
                break
            time.sleep(0.01)
        self.assertIn((503, b"shutting down\n"), seen)
        self.assertEqual(self.d.proc.wait(timeout=30), 0)
        self.d._finish()


class TestStatusMetrics(unittest.TestCase):
    """promtool check metrics, and label values that need escaping: the
    status socket's name holds a double quote and a backslash."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        self.d = Daemon(self.tmp, status=True,
                        status_name='st"a\\tus.sock').start()

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    @unittest.skipUnless(shutil.which("promtool"), "promtool not installed")
    def test_promtool(self):
        self.d.post_call(good())
        self.d.post_call(good(line="2325", caller_type="member"))
        self.assertEqual(self.d.status("/healthz", unix=True).status, 200)
        want = 'listener="unix:st\\"a\\\\tus.sock",code="200"'
        self.assertTrue(eventually(
            lambda: want in self.d.status("/metrics").raw.decode()))
        r = self.d.status("/metrics")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"],
                         "text/plain; version=0.0.4; charset=utf-8")
        p = subprocess.run(["promtool", "check", "metrics"], input=r.raw,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout.decode() + r.raw.decode())
        text = r.raw.decode()
        self.assertIn(want, text)
        # What promtool does not check: +Inf, and no duplicate series.
        self.assertEqual(metric(text, "hotlined_commit_duration_seconds_"
                                "bucket", le="+Inf"),
                         metric(text, "hotlined_commit_duration_seconds_"
                                "count"))
        series = [ln.rsplit(" ", 1)[0] for ln in text.splitlines()
                  if ln and not ln.startswith("#")]
        self.assertEqual(len(series), len(set(series)))
        for name in ("hotlined_store_ok", "hotlined_up"):
            self.assertEqual(metric(text, name), 1)
        self.assertEqual(metric(text, "hotlined_build_info",
                                version="0.1.0"), 1)
        self.assertIsNotNone(metric(text, "process_start_time_seconds"))


class TestStatusLocked(StatusTest):
    def test_locked_database(self):
        self.assertEqual(self.d.status("/healthz").status, 200)
        lock = subprocess.Popen(["sqlite3", self.d.db],
                                stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            lock.stdin.write(b"BEGIN EXCLUSIVE;\n"
                             b"SELECT 'locked';\n")
            lock.stdin.flush()
            self.assertEqual(lock.stdout.readline().strip(), b"locked")
            deadline = time.time() + 8
            while time.time() < deadline:
                t0 = time.time()
                r = self.d.status("/healthz")
                self.assertLess(time.time() - t0, 1)
                if r.status == 503:
                    break
                time.sleep(0.2)
            self.assertEqual(r.status, 503, r)
            self.assertIn(b"locked", r.raw)
            t0 = time.time()
            st = self.st()
            self.assertLess(time.time() - t0, 1)
            self.assertFalse(st["store"]["ok"])
            self.assertIn("locked", st["store"]["reason"])
            m = self.d.status("/metrics").raw.decode()
            self.assertEqual(metric(m, "hotlined_store_ok"), 0)
            # The client puts the warning first.
            p = self.status_client("--status", "unix:" + self.d.status_sock,
                                   "status")
            self.assertEqual(p.returncode, 0, p.err)
            self.assertTrue(p.out.startswith("WARNING store not ok: the "
                                             "database is locked"), p.out)
            self.assertIn("store NOT OK", p.out)
            # A write waits for the lock, then gets 503.
            self.assertEqual(self.d.post_call(good()).status, 503)
        finally:
            lock.communicate(b"ROLLBACK;\n.quit\n", timeout=10)
        deadline = time.time() + 8
        while time.time() < deadline:
            r = self.d.status("/healthz")
            if r.status == 200:
                break
            time.sleep(0.2)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.d.post_call(good()).status, 201)
        self.assertTrue(self.st()["store"]["ok"])


class TestStatusBusyApi(unittest.TestCase):
    """500 API connections open, each with a write waiting for a locked
    store: the status listener still answers at once."""
    N = 500

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        self.d = Daemon(self.tmp, status=True, busy_ms=30000).start()

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def test_500_busy_connections(self):
        lock = subprocess.Popen(["sqlite3", self.d.db],
                                stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        socks = []
        try:
            lock.stdin.write(b"BEGIN EXCLUSIVE;\nSELECT 'locked';\n")
            lock.stdin.flush()
            self.assertEqual(lock.stdout.readline().strip(), b"locked")
            body = (b'{"line":"400","caller_type":"medic",'
                    b'"topics":["anxiety"],"risk":"low"}')
            for i in range(self.N):
                s = socket.create_connection(("127.0.0.1", self.d.port))
                s.sendall(b"POST /v1/calls HTTP/1.1\r\nHost: x\r\n"
                          b"Authorization: Bearer dev-operator-wang\r\n"
                          b"Content-Type: application/json\r\n"
                          b"Idempotency-Key: busy-%d\r\n"
                          b"Content-Length: %d\r\n\r\n" % (i, len(body))
                          + body)
                socks.append(s)
            worst = 0
            deadline = time.time() + 10
            st = None
            while time.time() < deadline:
                t0 = time.time()
                r = self.d.status("/status", timeout=5)
                worst = max(worst, time.time() - t0)
                self.assertEqual(r.status, 200)
                st = r.json
                if st["store"]["writes_waiting"] == self.N:
                    break
                time.sleep(0.1)
            self.assertEqual(st["store"]["writes_waiting"], self.N, st)
            self.assertGreaterEqual(st["connections_open"], self.N)
            for _ in range(20):
                t0 = time.time()
                self.assertEqual(self.d.status("/healthz").status, 200)
                worst = max(worst, time.time() - t0)
            self.assertLess(worst, 0.5)
        finally:
            lock.communicate(b"ROLLBACK;\n.quit\n", timeout=10)
        for s in socks:
            s.settimeout(30)
            self.assertIn(b" 201 ", s.recv(100))
            s.close()
        self.assertEqual(self.d.count_rows(), self.N)
        st = self.d.status("/status").json
        self.assertEqual(line_of(st, "400")["calls_today"], self.N)
        self.assertEqual(st["store"]["writes_waiting"], 0)


class TestStatusBadRequests(StatusTest):
    limits = {"max_body_bytes": 4096, "max_header_bytes": 2048,
              "timeout_s": 2, "notes_max_chars": 100, "list_max": 50}

    def snapshot(self):
        st = self.st()
        for k in ("uptime_s", "requests", "connections_open"):
            del st[k]
        return st

    def raw(self, data):
        s = socket.create_connection(("127.0.0.1", self.d.status_port))
        s.settimeout(10)
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        s.close()
        return out

    def test_bad_requests(self):
        self.d.post_call(good())
        before = self.snapshot()
        for m in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            r = self.d.status("/status", method=m)
            self.assertEqual(r.status, 405, m)
            self.assertEqual(r.headers["allow"], "GET, HEAD")
        for path in ("/", "/status/", "/v1/calls", "/metrics.txt",
                     "/healthz/x", "/%00"):
            self.assertEqual(self.d.status(path).status, 404, path)
        r = self.d.status("/status?x=1")
        self.assertEqual(r.status, 200)
        # Headers over the limit: 431, up to 16 times the limit; past
        # that evhttp itself refuses with 400.
        out = self.raw(b"GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " +
                       b"a" * 5000 + b"\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431 "), out[:100])
        out = self.raw(b"GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " +
                       b"a" * 100000 + b"\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out[:100])
        out = self.raw(b"GARBAGE\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 4"), out[:100])
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(self.d.count_rows(), 1)
        self.assertEqual(self.d.post_call(good()).status, 201)
        me = "tcp:127.0.0.1:%d" % self.d.status_port
        self.assertTrue(eventually(
            lambda: self.st()["requests"].get(me, {}).get("4xx", 0) >= 11))


class TestStatusDayRollover(unittest.TestCase):
    """A private zone (compiled with zic into a TZDIR of the test's own)
    whose midnight is a few seconds away: "calls today" starts again at
    that zone's midnight, not at UTC's, in the running daemon and after a
    restart."""
    AHEAD = 6	# seconds from start-up to local midnight

    def setUp(self):
        if not shutil.which("zic"):
            self.skipTest("zic not installed")
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        tzdir = os.path.join(self.tmp, "zoneinfo")
        now = int(time.time())
        # Offset so that local time is 23:59:60 - AHEAD now.
        off = (86400 - self.AHEAD - now % 86400) % 86400
        if off > 43200:
            off -= 86400
        self.midnight = now + self.AHEAD
        sign = "-" if off < 0 else ""
        a = abs(off)
        src = os.path.join(self.tmp, "soon.zi")
        with open(src, "w") as f:
            f.write("Zone Test/Soon %s%d:%02d:%02d - TST\n" %
                    (sign, a // 3600, a % 3600 // 60, a % 60))
        subprocess.run(["zic", "-d", tzdir, src], check=True)
        self.d = Daemon(self.tmp, status=True, timezone="Test/Soon",
                        env={"TZDIR": tzdir}).start()

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def test_rollover(self):
        if time.time() > self.midnight - 2:
            self.skipTest("start-up took too long")
        st = self.d.status("/status").json
        day1 = st["day"]
        self.assertEqual(st["timezone"], "Test/Soon")
        self.assertEqual(self.d.post_call(good()).status, 201)
        self.assertEqual(self.d.post_call(good(line="9120")).status, 201)
        st = self.d.status("/status").json
        self.assertEqual(line_of(st, "400")["calls_today"], 1)
        self.assertEqual(st["operators_active_today"], 1)
        self.assertLess(time.time(), self.midnight, "too slow: no test")
        time.sleep(max(0, self.midnight - time.time()) + 1.2)
        st = self.d.status("/status").json
        self.assertNotEqual(st["day"], day1)
        self.assertEqual(line_of(st, "400")["calls_today"], 0)
        self.assertEqual(line_of(st, "9120")["calls_today"], 0)
        self.assertEqual(line_of(st, "400")["calls_last_hour"], 1)
        self.assertEqual(st["operators_active_today"], 0)
        self.assertEqual(self.d.post_call(good()).status, 201)
        st = self.d.status("/status").json
        self.assertEqual(line_of(st, "400")["calls_today"], 1)
        self.assertEqual(line_of(st, "400")["calls_last_hour"], 2)
        self.d.restart()
        st = self.d.status("/status").json
        self.assertEqual(line_of(st, "400")["calls_today"], 1)
        self.assertEqual(line_of(st, "9120")["calls_today"], 0)
        self.assertEqual(line_of(st, "400")["calls_last_hour"], 2)
        self.assertEqual(st["operators_active_today"], 1)


if __name__ == "__main__":
    unittest.main()
