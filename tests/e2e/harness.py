"""The end-to-end harness: a fresh hotlined per test, in a private temporary
directory, on a private Unix socket and an ephemeral TCP port, driven by
plain HTTP and by the real hotline client."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
HOTLINED = os.environ.get("HOTLINED_BIN", os.path.join(TOP, "daemon",
                                                       "hotlined"))
HOTLINE = os.environ.get("HOTLINE_BIN", os.path.join(TOP, "client",
                                                     "hotline"))
DEV_CONF = os.path.join(TOP, "conf", "dev.conf")
# The tests run as root (to change uids and drop privileges): their stores
# are throwaway development stores, which the daemon opens as root only
# when told so.
ROOT_ARGS = ["--allow-root"] if os.geteuid() == 0 else []

TOKENS = {
    "wang": "dev-operator-wang",
    "li": "dev-operator-li",
    "zhao": "dev-counselor-zhao",
    "zhou": "dev-counselor-zhou",
    "chen": "dev-supervisor-chen",
    "ops": "dev-admin-ops",
    "pbx": "dev-pbx",
    "sun": "dev-liaison-sun",
    "wu": "dev-liaison-wu",
}

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
                   "ERROR: LeakSanitizer")

START_TIMEOUT = 20

# conf/dev.conf's limits, for a test that changes one of them (a test's
# limits replace the whole block).
DEV_LIMITS = {"max_body_bytes": 65536, "max_header_bytes": 8192,
              "timeout_s": 30, "notes_max_chars": 4000, "list_max": 500,
              "max_connections": 1000, "max_connections_per_peer": 1000,
              "rate_per_s": 0}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_config(tmp, port, limits=None, extra="", status=None,
                timezone=None, busy_ms=None, replace=None, retention=None,
                web=None, plans=None):
    """dev.conf (its lists and operators) with the store and the API
    socket in tmp, TCP on port, and no status listener unless status
    lists its addresses. The paths are relative: the daemon runs in tmp,
    so this also checks that relative paths are taken from its working
    directory. Retention is off unless retention gives its block's text
    (dev.conf's would erase the backdated calls other tests log). The
    console is not served unless web gives its root (an absolute path).
    No follow-up plans unless plans gives their text, or is True for
    dev.conf's own (they would add items to the high-risk calls other
    tests count)."""
    with open(DEV_CONF, encoding="utf-8") as f:
        text = f.read()

    def sub(pattern, repl):
        nonlocal text
        text, n = re.subn(pattern, lambda m: repl, text, count=1,
                          flags=re.S)
        if n != 1:
            raise AssertionError(f"{DEV_CONF}: no {pattern!r} to replace")

    sub(r'\bpath = "[^"]*";', 'path = "hotline.db";')
    sub(r'\napi = \{.*?\};',
        '\napi = {\n  listen = [ "unix:api.sock", "tcp:127.0.0.1:%d" ];\n'
        '  socket_mode = "0666";\n};' % port)
    if status:
        listen = ", ".join('"%s"' % a.replace("\\", "\\\\")
                           .replace('"', '\\"') for a in status)
        sub(r'\nstatus = \{.*?\};',
            '\nstatus = {\n  listen = [ %s ];\n  socket_mode = "0666";\n};'
            % listen)
    else:
        sub(r'\nstatus = \{.*?\};', '\n')
    if timezone:
        sub(r'\ntimezone = "[^"]*";', '\ntimezone = "%s";' % timezone)
    if busy_ms:
        sub(r'busy_timeout_ms = \d+;', 'busy_timeout_ms = %d;' % busy_ms)
    sub(r'\nweb = \{.*?\n\};',
        '\nweb = {\n  root = "%s";\n};' % web if web else "\n")
    sub(r'\nretention = \{.*?\n\};',
        "\nretention = {\n%s\n};" % (retention or "  personal_days = 0;"))
    if plans is not True:
        sub(r'\nplans = \(.*?\n\);', "\n" + (plans or "plans = ( );"))
    if limits:
        lim = "".join(f"  {k} = {v};\n" for k, v in limits.items())
        sub(r'\nlimits = \{.*?\};', "\nlimits = {\n%s};" % lim)
    # Whole top-level settings (queues, routes, ...) replaced by new text.
    for name, repl in (replace or {}).items():
        sub(r'\n%s = [(\{].*?\n[)\}];' % name, "\n" + repl)
    return text + extra


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


class Daemon:
    """status: also a status listener, on TCP (status_port) and on a Unix
    socket (status_sock, named status_name); env: added to the daemon's
    environment; replace: whole top-level settings replaced (see
    make_config)."""

    def __init__(self, tmp, limits=None, extra="", status=False,
                 timezone=None, busy_ms=None, env=None,
                 status_name="status.sock", replace=None, retention=None,
                 web=None, plans=None):
        self.tmp = tmp
        self.port = free_port()
        self.status_port = free_port() if status else None
        self.status_sock = os.path.join(tmp, status_name)
        listen = (["unix:" + status_name,
                   "tcp:127.0.0.1:%d" % self.status_port] if status
                  else None)
        self.conf = os.path.join(tmp, "hotlined.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(make_config(tmp, self.port, limits, extra, listen,
                                timezone, busy_ms, replace, retention,
                                web, plans))
        self.sock = os.path.join(tmp, "api.sock")
        self.db = os.path.join(tmp, "hotline.db")
        self.proc = None
        self.logs = []
        # The daemon's environment: ours, without a service manager's
        # variables (a test run under systemd must not talk to it).
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC",
                                 "WATCHDOG_PID", "LISTEN_PID", "LISTEN_FDS",
                                 "LISTEN_FDNAMES")}
        self.env.update(env or {})
        self.wrap = []          # argv before the daemon's own

    def start(self):
        self.errpath = os.path.join(tmp_name(self.tmp, "stderr"))
        self.err = open(self.errpath, "wb")
        self.proc = subprocess.Popen(self.wrap + [HOTLINED] + ROOT_ARGS + ["-f", "-c",
                                                  self.conf],
                                     cwd=self.tmp, stdout=self.err,
                                     stderr=self.err, env=self.env)
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("hotlined exited at start-up: "
                                     + self.stderr())
            try:
                c = socket.create_connection(("127.0.0.1", self.port), 1)
                c.close()
                u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    u.connect(self.sock)
                finally:
                    u.close()
                # The sockets listen before the store is open (they are
                # bound first, as root): ready is when a request is
                # answered, that is when the loop runs.
                if self.ready():
                    return self
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
        raise AssertionError("hotlined did not start listening")

    def ready(self):
        left = START_TIMEOUT
        conn = UnixHTTPConnection(self.sock, timeout=left)
        try:
            conn.request("GET", "/v1/schema")
            return conn.getresponse().status in (200, 401)
        finally:
            conn.close()

    def stderr(self):
        text = "".join(self.logs)
        if self.proc is not None:
            self.err.flush()
            with open(self.errpath, "rb") as f:
                text += f.read().decode("utf-8", "replace")
        return text

    def _finish(self):
        self.err.close()
        with open(self.errpath, "rb") as f:
            self.logs.append(f.read().decode("utf-8", "replace"))
        self.proc = None
        log = "".join(self.logs)
        for mark in SANITIZER_MARKS:
            if mark in log:
                raise AssertionError("sanitizer report:\n" + log)

    def stop(self):
        """SIGTERM; the daemon must exit 0."""
        if self.proc is None:
            return 0
        died = self.proc.poll()
        if died is not None:
            self._finish()
            how = (f"killed by signal {-died}" if died < 0
                   else f"exited {died}")
            raise AssertionError(f"hotlined died during the test ({how}):\n"
                                 + "".join(self.logs))
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("hotlined did not stop on SIGTERM")
        self._finish()
        if rc < 0:
            raise AssertionError(f"hotlined was killed by signal {-rc} "
                                 "(during the test, or on SIGTERM):\n"
                                 + "".join(self.logs))
        if rc != 0:
            raise AssertionError(f"hotlined exited {rc} on SIGTERM:\n"
                                 + "".join(self.logs))
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self._finish()

    def restart(self):
        self.stop()
        return self.start()

    def request(self, method, path, body=None, who="wang", unix=False,
                headers=None, raw=None, content_type="application/json"):
        h = dict(headers or {})
        if unix:
            conn = UnixHTTPConnection(self.sock)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                              timeout=30)
            if who is not None:
                h["Authorization"] = "Bearer " + TOKENS.get(who, who)
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if data is not None and content_type is not None:
            h["Content-Type"] = content_type
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        resp = Response(r.status, {k.lower(): v for k, v in
                                   r.getheaders()}, r.read())
        conn.close()
        return resp

    def status(self, path, method="GET", unix=False, headers=None,
               timeout=30):
        """A request to the status listener (no token)."""
        if unix:
            conn = UnixHTTPConnection(self.status_sock, timeout=timeout)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.status_port,
                                              timeout=timeout)
        conn.request(method, path, headers=dict(headers or {}))
        r = conn.getresponse()
        resp = Response(r.status, {k.lower(): v for k, v in
                                   r.getheaders()}, r.read())
        conn.close()
        return resp

    def post_call(self, call, who="wang", key=None, unix=False):
        return self.request("POST", "/v1/calls", call, who=who, unix=unix,
                            headers={"Idempotency-Key":
                                     key or str(uuid.uuid4())})

    def count_rows(self, table="calls"):
        import sqlite3
        db = sqlite3.connect(self.db)
        try:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            db.close()

    def client(self, *args, who="wang", unix=False, stdin=None, env=None):
        """Run hotline with --server (unless env sets HOTLINE_SERVER) and
        who's token in HOTLINE_TOKEN; a fresh HOME, no client config."""
        # English unless a test asks for another language in env.
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("HOTLINE_") and not k.startswith("LC_")
             and k != "LANGUAGE"}
        e["LANG"] = "C.UTF-8"
        e["HOME"] = self.tmp
        e["XDG_CONFIG_HOME"] = os.path.join(self.tmp, "xdg")
        e["XDG_STATE_HOME"] = os.path.join(self.tmp, "xdg-state")
        e["TZ"] = "Asia/Shanghai"
        if unix:
            server = "unix:" + self.sock
        else:
            server = f"http://127.0.0.1:{self.port}"
            if who is not None:
                e["HOTLINE_TOKEN"] = TOKENS.get(who, who)
        e.update(env or {})
        argv = [HOTLINE] + list(args)
        if "HOTLINE_SERVER" not in (env or {}):
            argv[1:1] = ["--server", server]
        p = subprocess.run(argv, env=e, input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        p.out = p.stdout.decode("utf-8", "replace")
        p.err = p.stderr.decode("utf-8", "replace")
        for mark in SANITIZER_MARKS:
            if mark in p.err:
                raise AssertionError("sanitizer report in hotline:\n"
                                     + p.err)
        return p


def tmp_name(tmp, name):
    return os.path.join(tmp, name)


GOOD = {"line": "400", "caller_type": "medic", "topics": ["anxiety"],
        "risk": "low"}


def good(**kw):
    c = dict(GOOD)
    c.update(kw)
    return c


class DaemonTest(unittest.TestCase):
    """A fresh daemon per test; it must stop cleanly with exit 0."""
    limits = None
    extra = ""
    replace = None
    status = False
    retention = None
    plans = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        self.d = Daemon(self.tmp, self.limits, self.extra,
                        status=self.status,
                        replace=self.replace,
                        retention=self.retention,
                        plans=self.plans).start()

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def reload_with(self, text, count):
        """Write text as the config and SIGHUP; wait for the count-th
        "reloaded" in the daemon's log."""
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        self.d.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while self.d.stderr().count("reloaded") < count:
            self.assertLess(time.time(), deadline, self.d.stderr())
            time.sleep(0.05)

    def add_address(self):
        """Reload with a second TCP address: the config as it was (to
        reload it back, the address gone) and the new port."""
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        one = '"tcp:127.0.0.1:%d"' % self.d.port
        port2 = free_port()
        self.reload_with(text.replace(
            one, one + ', "tcp:127.0.0.1:%d"' % port2, 1), 1)
        return text, port2

    def assertError(self, r, status, kind=None, field=None):
        self.assertEqual(r.status, status, r)
        if kind is not None:
            self.assertIsNotNone(r.json, r)
            self.assertEqual(r.json["error"], kind, r)
            self.assertIsInstance(r.json.get("message"), str)
        if field is not None:
            self.assertEqual(r.json.get("field"), field, r)
