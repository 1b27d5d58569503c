"""The daemon under a service manager, with this file playing systemd's
part: a NOTIFY_SOCKET that hears READY=1, STATUS=, RELOADING=1,
WATCHDOG=1 and STOPPING=1 in the right order; systemd-socket-activate
passing the sockets by name; SIGHUP with a good and a bad config; SIGTERM
in a burst of writes; dropping root to the configured user; the unit
files through systemd-analyze; make install into a staging tree."""
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (TOP, HOTLINED, ROOT_ARGS, Daemon, UnixHTTPConnection,
                     free_port, good)
from test_concurrency import Writers, stored

ACTIVATE = shutil.which("systemd-socket-activate")
ANALYZE = shutil.which("systemd-analyze")
WATCHDOG_USEC = 200000
SECURITY_MAX = 2.0
# The status listener answers through an inherited "status" socket too,
# once this build has one.
HAS_STATUS = os.path.exists(os.path.join(TOP, "daemon", "status.c"))


class Notify:
    """The service manager's notification socket: every datagram, split
    into lines, in arrival order, each with what was true when it came
    (is the store there, does the API socket accept)."""

    def __init__(self, path, probe=None):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + path[1:] if path.startswith("@") else path)
        self.sock.settimeout(0.1)
        self.probe = probe
        self.lines = []         # (line, probe result)
        self.cond = threading.Condition()
        self.done = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            seen = self.probe() if self.probe else None
            with self.cond:
                for line in data.decode("utf-8").split("\n"):
                    if line:
                        self.lines.append((line, seen))
                self.cond.notify_all()

    def close(self):
        self.done = True
        self.thread.join(5)
        self.sock.close()

    def keys(self):
        with self.cond:
            return [line.split("=", 1)[0] for line, _ in self.lines]

    def wait(self, line, count=1, timeout=10):
        """Wait until line (or, ending in '=', a line of that key) has come
        count times; the index of the last one."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                hits = [i for i, (l, _) in enumerate(self.lines)
                        if (l.startswith(line) if line.endswith("=")
                            else l == line)]
                if len(hits) >= count:
                    return hits[count - 1]
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(f"no {line!r} x{count}; got "
                                         f"{[l for l, _ in self.lines]}")
                self.cond.wait(left)


def accepts(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


class ManagedTest(unittest.TestCase):
    """A daemon started as a service manager would start it."""
    notify_name = "notify.sock"
    watchdog = WATCHDOG_USEC
    extra = ""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-sd-")
        self.d = Daemon(self.tmp, extra=self.extra)
        path = self.notify_name
        if not path.startswith("@"):
            path = os.path.join(self.tmp, path)
        self.n = Notify(path, probe=lambda: (os.path.exists(self.d.db),
                                             accepts(self.d.sock)))
        self.d.env = dict(self.d.env, NOTIFY_SOCKET=path)
        if self.watchdog:
            self.d.env["WATCHDOG_USEC"] = str(self.watchdog)

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            self.n.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def write_conf(self, text):
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text)

    def read_conf(self):
        with open(self.d.conf, encoding="utf-8") as f:
            return f.read()


class TestNotify(ManagedTest):
    def test_ready_status_watchdog_stopping_in_order(self):
        self.d.start()
        ready = self.n.wait("READY=1")
        # READY=1 came when the store was open and the API accepted.
        self.assertEqual(self.n.lines[ready][1], (True, True))
        # Before it, the rollups a new store builds moved the start
        # timeout on (an hour each time), saying why.
        extend = self.n.wait("EXTEND_TIMEOUT_USEC=")
        self.assertLess(extend, ready)
        self.assertEqual(self.n.lines[extend][0],
                         "EXTEND_TIMEOUT_USEC=3600000000")
        self.assertRegex(self.n.lines[extend + 1][0],
                         r"^STATUS=building the .*rollups$")
        status = self.n.wait("STATUS=")
        for i in range(status, ready):
            self.assertRegex(self.n.lines[i][0],
                             r"^(EXTEND_TIMEOUT_USEC=\d+|STATUS=building .*)$")
        status = self.n.wait("STATUS=serving: 0 calls today, 0 waiting "
                             "in the queues")
        self.assertGreater(status, ready)
        # Half of WATCHDOG_USEC: 0.1 s here; ten pings in well under 5 s.
        t0 = time.time()
        first = self.n.wait("WATCHDOG=1")
        self.n.wait("WATCHDOG=1", count=10, timeout=5)
        self.assertGreater(first, ready)
        self.assertLess(time.time() - t0, 5)
        self.assertEqual(self.d.post_call(good(risk="high")).status, 201)
        # The summary follows: one call today, one waiting.
        self.n.wait("STATUS=serving: 1 call today, 1 waiting in the queues")
        self.d.stop()
        stopping = self.n.wait("STOPPING=1")
        keys = self.n.keys()
        self.assertEqual(keys.count("READY"), 1, keys)
        self.assertNotIn("READY", keys[stopping:])
        self.assertNotIn("WATCHDOG", keys[stopping + 1:])

    def test_watchdog_pings_come_from_the_running_loop(self):
        self.d.start()
        self.n.wait("WATCHDOG=1", count=2)
        self.d.proc.send_signal(signal.SIGSTOP)
        try:
            time.sleep(0.3)
            before = self.n.keys().count("WATCHDOG")
            time.sleep(0.6)
            self.assertEqual(self.n.keys().count("WATCHDOG"), before)
        finally:
            self.d.proc.send_signal(signal.SIGCONT)
        self.n.wait("WATCHDOG=1", count=before + 2)

    def test_reload_good_then_bad(self):
        self.d.start()
        self.n.wait("READY=1")
        text = self.read_conf()
        self.assertEqual(self.d.post_call(good(topics=["boredom"])).status,
                         400)
        self.write_conf(text.replace(
            '{ code = "other";          name = "其他"; }',
            '{ code = "other";          name = "其他"; },\n'
            '  { code = "boredom"; name = "无聊"; }', 1))
        self.d.proc.send_signal(signal.SIGHUP)
        reloading = self.n.wait("RELOADING=1")
        ready = self.n.wait("READY=1", count=2)
        self.assertGreater(ready, reloading)
        self.assertTrue(self.n.lines[reloading + 1][0].startswith(
            "MONOTONIC_USEC="))
        self.assertIn("reloaded", self.d.stderr())
        self.assertEqual(self.d.post_call(good(topics=["boredom"])).status,
                         201)
        # A bad config: logged with its error, the old one keeps serving.
        self.write_conf(text.replace('timezone = "Asia/Shanghai";',
                                     'timezone = "Mars/Olympus";', 1))
        self.d.proc.send_signal(signal.SIGHUP)
        reloading = self.n.wait("RELOADING=1", count=2)
        ready = self.n.wait("READY=1", count=3)
        self.assertGreater(ready, reloading)
        err = self.d.stderr()
        self.assertIn("reload refused", err)
        self.assertIn("Mars/Olympus", err)
        self.assertEqual(self.d.post_call(good(topics=["boredom"])).status,
                         201)
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        unix=True).status, 200)

    def test_sigterm_in_a_burst_commits_every_acknowledged_call(self):
        self.d.start()
        self.n.wait("READY=1")
        w = Writers(self.d).start()
        try:
            w.wait_acked(60)
            self.d.stopping = True
            t0 = time.time()
            self.d.proc.send_signal(signal.SIGTERM)
            rc = self.d.proc.wait(timeout=30)
            took = time.time() - t0
        finally:
            w.join()
        self.d._finish()
        self.assertEqual(rc, 0, self.d.stderr())
        self.assertLess(took, 5)
        self.n.wait("STOPPING=1")
        self.assertEqual(w.bad, [])
        ok, rows = stored(self.d.db)
        self.assertEqual(ok, "ok")
        for cid, notes in w.acked.items():
            self.assertEqual(rows.get(cid), notes, f"call {cid} was lost")


class TestNotifyAbstract(ManagedTest):
    notify_name = "@hotlined-test-notify-%d" % os.getpid()
    watchdog = None

    def test_abstract_socket_and_no_watchdog(self):
        self.d.start()
        self.n.wait("READY=1")
        self.n.wait("STATUS=")
        time.sleep(0.3)
        self.assertNotIn("WATCHDOG", self.n.keys())


@unittest.skipUnless(ACTIVATE, "systemd-socket-activate is not installed")
class TestSocketActivation(ManagedTest):
    def activate(self, names, order=("unix", "tcp"), extra=None):
        """Run the daemon under systemd-socket-activate with the API's
        Unix and TCP addresses (then any extra ones), in order, named
        names."""
        addr = {"unix": self.d.sock, "tcp": f"127.0.0.1:{self.d.port}"}
        self.d.wrap = [ACTIVATE]
        for a in [addr[kind] for kind in order] + list(extra or []):
            self.d.wrap += ["-l", a]
        self.d.wrap += ["--fdname=" + ":".join(names)]
        for var in ("NOTIFY_SOCKET", "WATCHDOG_USEC"):
            if var in self.d.env:
                self.d.wrap += ["-E", f"{var}={self.d.env[var]}"]
        # systemd-socket-activate starts the daemon on the first
        # connection, which the harness makes.
        self.d.start()
        self.n.wait("READY=1")

    def test_api_answers_through_inherited_sockets(self):
        self.activate(["api", "api-tcp"])
        self.assertEqual(self.d.post_call(good()).status, 201)
        r = self.d.request("GET", "/v1/whoami", unix=True)
        self.assertEqual(r.status, 200, r)
        err = self.d.stderr()
        self.assertIn('serving the inherited socket "api"', err)
        self.assertIn('serving the inherited socket "api-tcp"', err)
        self.assertNotIn("matches no listen address", err)
        self.assertNotIn("serving it there", err)
        # Many connections at once: inherited sockets were made
        # non-blocking, or the loop would hang in accept().
        threads = [threading.Thread(target=self.d.post_call, args=(good(),))
                   for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(self.d.count_rows(), 21)
        self.d.stop()
        # The manager's socket is the manager's: not unlinked.
        self.assertTrue(os.path.exists(self.d.sock))

    def test_names_not_order_decide(self):
        self.activate(["api-tcp", "api"], order=("tcp", "unix"))
        self.assertEqual(self.d.post_call(good()).status, 201)
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        unix=True).status, 200)

    def test_reload_keeps_inherited_sockets(self):
        self.activate(["api", "api-tcp"])
        self.d.proc.send_signal(signal.SIGHUP)
        self.n.wait("READY=1", count=2)
        self.assertIn("reloaded", self.d.stderr())
        self.assertEqual(self.d.post_call(good()).status, 201)
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        unix=True).status, 200)

    def test_unknown_name_is_reported_and_the_rest_bound(self):
        # The TCP socket comes under a name no listen entry has; the
        # config's TCP entry is on another port, which the daemon binds.
        text = self.read_conf()
        other = free_port()
        self.write_conf(text.replace(f"tcp:127.0.0.1:{self.d.port}",
                                     f"tcp:127.0.0.1:{other}"))
        self.activate(["api", "metrics"])
        self.assertIn('inherited socket "metrics" (fd 4) matches no listen '
                      'address', self.d.stderr())
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        unix=True).status, 200)
        self.d.port = other
        self.assertEqual(self.d.post_call(good()).status, 201)

    def test_a_unix_socket_elsewhere_is_served_with_a_warning(self):
        elsewhere = os.path.join(self.tmp, "elsewhere.sock")
        self.d.sock = elsewhere
        self.activate(["api", "api-tcp"])
        self.assertIn("serving it there", self.d.stderr())
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        unix=True).status, 200)

    def test_wrong_kind_of_socket_is_refused(self):
        # A TCP socket named "api": the config's "api" is a Unix address.
        self.d.wrap = [ACTIVATE, "-l", f"127.0.0.1:{self.d.port}",
                       "--fdname=api"]
        self.d.err = open(os.path.join(self.tmp, "stderr"), "wb")
        p = subprocess.Popen(self.d.wrap + [HOTLINED] + ROOT_ARGS +
                             ["-f", "-c", self.d.conf],
                             cwd=self.tmp, stdout=self.d.err,
                             stderr=self.d.err, env=self.d.env)
        try:
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", self.d.port),
                                             1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            rc = p.wait(timeout=20)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            self.d.err.close()
        with open(os.path.join(self.tmp, "stderr"), "rb") as f:
            err = f.read().decode()
        self.assertEqual(rc, 1, err)
        self.assertIn('inherited socket "api" is not a listening Unix',
                      err)

    @unittest.skipUnless(HAS_STATUS, "no status listener in this build")
    def test_status_answers_through_its_inherited_socket(self):
        status = os.path.join(self.tmp, "status.sock")
        text = self.read_conf()
        self.write_conf(text + '\nstatus = { listen = [ "unix:%s" ]; };\n'
                        % status)
        # Both API sockets are passed too: the harness's first connection
        # (to the TCP one) is what makes the manager start the daemon.
        self.activate(["api", "api-tcp", "status"], extra=[status])
        c = UnixHTTPConnection(status)
        c.request("GET", "/healthz")
        self.assertEqual(c.getresponse().status, 200)
        c.close()
        self.assertIn('serving the inherited socket "status"',
                      self.d.stderr())


@unittest.skipUnless(os.geteuid() == 0, "needs root to change user")
class TestPrivilegeDrop(unittest.TestCase):
    USER = "nobody"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-priv-")
        self.pw = pwd.getpwnam(self.USER)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run78(self, extra):
        d = Daemon(self.tmp, extra=extra)
        p = subprocess.run([HOTLINED, "-f", "-c", d.conf], cwd=self.tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        return p.returncode, p.stderr.decode()

    def test_root_without_a_user_is_refused(self):
        rc, err = self.run78("")
        d = Daemon(self.tmp)
        self.assertEqual(rc, 78, err)
        self.assertIn(f"{d.conf}: refusing to open the store as root", err)
        self.assertIn("set user", err)
        self.assertFalse(os.path.exists(d.db))
        self.assertFalse(os.path.exists(d.sock))
        # Told so, it serves (a development store), and says so.
        d.start()
        try:
            self.assertEqual(d.post_call(good()).status, 201)
            self.assertIn("running as root (--allow-root)", d.stderr())
        finally:
            d.stop()

    def test_backup_runs_as_the_user(self):
        os.chown(self.tmp, self.pw.pw_uid, self.pw.pw_gid)
        d = Daemon(self.tmp, extra=f'\nuser = "{self.USER}";\n')
        d.start()
        try:
            self.assertEqual(d.post_call(good()).status, 201)
            dest = os.path.join(self.tmp, "copy.db")
            p = subprocess.run([HOTLINED, "-c", d.conf, "--backup", dest],
                               cwd=self.tmp, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(os.stat(dest).st_uid, self.pw.pw_uid)
            for name in os.listdir(self.tmp):
                if name.startswith("hotline.db"):
                    self.assertEqual(
                        os.stat(os.path.join(self.tmp, name)).st_uid,
                        self.pw.pw_uid, name)
        finally:
            d.stop()
        # Without a user, as root, it is refused like the daemon.
        bare = os.path.join(self.tmp, "bare")
        os.mkdir(bare)
        d2 = Daemon(bare)
        p = subprocess.run([HOTLINED, "-c", d2.conf, "--backup",
                            os.path.join(bare, "x.db")], cwd=bare,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        self.assertEqual(p.returncode, 78, p.stderr)
        self.assertIn(b"refusing to open the store as root", p.stderr)

    def test_binds_as_root_then_runs_as_the_user(self):
        os.chown(self.tmp, self.pw.pw_uid, self.pw.pw_gid)
        d = Daemon(self.tmp, extra=f'\nuser = "{self.USER}";\n')
        d.start()
        try:
            with open(f"/proc/{d.proc.pid}/status") as f:
                st = dict(line.split(":", 1) for line in f)
            uids = st["Uid"].split()
            gids = st["Gid"].split()
            self.assertEqual(set(uids), {str(self.pw.pw_uid)}, uids)
            self.assertEqual(set(gids), {str(self.pw.pw_gid)}, gids)
            self.assertEqual(st["Groups"].split(), [str(self.pw.pw_gid)])
            self.assertEqual(d.post_call(good()).status, 201)
            # The store was opened as the user, never as root.
            for name in ("hotline.db", "hotline.db-wal"):
                path = os.path.join(self.tmp, name)
                if os.path.exists(path):
                    self.assertEqual(os.stat(path).st_uid, self.pw.pw_uid,
                                     name)
            self.assertIn(f"running as user {self.USER}", d.stderr())
        finally:
            d.stop()
        self.assertFalse(os.path.exists(d.sock))

    def test_store_not_writable_by_the_user_is_fatal(self):
        # tmp stays root's: the user cannot create the database there.
        rc, err = self.run78(f'\nuser = "{self.USER}";\n')
        self.assertEqual(rc, 1, err)
        self.assertIn("store", err)

    def test_another_unprivileged_user_cannot_become_it(self):
        os.chown(self.tmp, self.pw.pw_uid, self.pw.pw_gid)
        d = Daemon(self.tmp, extra='\nuser = "daemon";\n')
        pw = self.pw

        def become():
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)

        p = subprocess.run([HOTLINED, "-f", "-c", d.conf], cwd=self.tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=become, timeout=30)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 1, err)
        self.assertIn("not as user daemon", err)
        self.assertFalse(os.path.exists(d.db))

    def test_account_errors_exit_78_naming_the_setting(self):
        for extra, what in (
                ('\nuser = "no-such-user-here";\n', "no such user"),
                ('\nuser = "root";\n', "is root"),
                ('\ngroup = "nogroup";\n', "needs user"),
                (f'\nuser = "{self.USER}";\ngroup = "no-such-group";\n',
                 "no such group"),
                ('\nuser = 65534;\n', "must be a string")):
            with self.subTest(extra.strip()):
                rc, err = self.run78(extra)
                self.assertEqual(rc, 78, err)
                self.assertIn("hotlined.conf:", err)
                self.assertIn(what, err)
                setting = "group" if "group" in extra else "user"
                self.assertIn(f": {setting}: ", err)


UNITS = ("hotlined.service", "hotlined-api.socket", "hotlined-status.socket",
         "hotlined-api-tcp.socket", "hotlined-status-tcp.socket")


class TestInstallAndUnits(unittest.TestCase):
    """make install into a staging tree, then the installed units through
    systemd-analyze."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hotlined-install-")
        cls.stage = os.path.join(cls.tmp, "stage")
        cls.install = cls.make_install()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def make_install(cls):
        return subprocess.run(["make", "-s", "-C", TOP, "install",
                               "DESTDIR=" + cls.stage, "PREFIX=/usr",
                               "SYSCONFDIR=/etc"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=300)

    def path(self, p):
        return os.path.join(self.stage, p.lstrip("/"))

    def test_tree(self):
        self.assertEqual(self.install.returncode, 0, self.install.stdout)
        for p, mode in (("/usr/sbin/hotlined", 0o755),
                        ("/usr/bin/hotline", 0o755),
                        ("/usr/share/man/man8/hotlined.8", 0o644),
                        ("/usr/share/man/man5/hotlined.conf.5", 0o644),
                        ("/usr/share/man/man1/hotline.1", 0o644),
                        ("/usr/share/man/zh_CN/man1/hotline.1", 0o644),
                        ("/usr/share/man/zh_CN/man5/hotlined.conf.5",
                         0o644),
                        ("/usr/share/man/zh_CN/man8/hotlined.8", 0o644),
                        ("/etc/hotlined/hotlined.conf", 0o640),
                        ("/usr/lib/sysusers.d/hotlined.conf", 0o644),
                        ("/usr/lib/tmpfiles.d/hotlined.conf", 0o644)) + tuple(
                            ("/usr/lib/systemd/system/" + u, 0o644)
                            for u in UNITS):
            with self.subTest(p):
                st = os.stat(self.path(p))
                self.assertEqual(st.st_mode & 0o7777, mode, oct(st.st_mode))
        with open(self.path("/usr/lib/systemd/system/hotlined.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/sbin/hotlined -c "
                      "/etc/hotlined/hotlined.conf\n", unit)
        # The installed sample is a good config.
        p = subprocess.run([self.path("/usr/sbin/hotlined"), "-t", "-c",
                            self.path("/etc/hotlined/hotlined.conf")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_existing_config_is_kept(self):
        conf = self.path("/etc/hotlined/hotlined.conf")
        with open(conf, "a", encoding="utf-8") as f:
            f.write("# edited by the administrator\n")
        self.assertEqual(self.make_install().returncode, 0)
        with open(conf, encoding="utf-8") as f:
            self.assertTrue(f.read().endswith(
                "# edited by the administrator\n"))

    def verify_dir(self):
        """The installed units, with ExecStart= pointing at the staged
        binary (the real path does not exist on a build machine)."""
        d = os.path.join(self.tmp, "verify")
        os.makedirs(d, exist_ok=True)
        for u in UNITS:
            with open(self.path("/usr/lib/systemd/system/" + u)) as f:
                text = f.read()
            with open(os.path.join(d, u), "w") as f:
                f.write(text.replace("/usr/sbin/hotlined",
                                     self.path("/usr/sbin/hotlined")))
        return d

    @unittest.skipUnless(shutil.which("systemd-sysusers") and
                         shutil.which("systemd-tmpfiles"),
                         "systemd-sysusers or systemd-tmpfiles missing")
    def test_sysusers_and_tmpfiles_in_a_scratch_root(self):
        root = os.path.join(self.tmp, "root")
        os.makedirs(os.path.join(root, "etc", "hotlined"))
        shutil.copy(self.path("/etc/hotlined/hotlined.conf"),
                    os.path.join(root, "etc", "hotlined"))
        for tool, f in (("systemd-sysusers", "sysusers.d"),
                        ("systemd-tmpfiles", "tmpfiles.d")):
            argv = [tool, "--root=" + root]
            if tool == "systemd-tmpfiles":
                argv.append("--create")
            p = subprocess.run(argv + [self.path(f"/usr/lib/{f}/"
                                                 "hotlined.conf")],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout)
            self.assertNotIn(b"rror", p.stdout)
        with open(os.path.join(root, "etc", "passwd")) as f:
            user = [l.split(":") for l in f if l.startswith("hotlined:")]
        self.assertEqual(len(user), 1)
        uid, gid, home, shell = (int(user[0][2]), int(user[0][3]),
                                 user[0][5], user[0][6].strip())
        self.assertNotEqual(uid, 0)
        self.assertEqual(home, "/var/lib/hotlined")
        self.assertTrue(shell.endswith("nologin"), shell)
        st = os.stat(os.path.join(root, "var", "lib", "hotlined"))
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777),
                         (uid, gid, 0o700))
        st = os.stat(os.path.join(root, "etc", "hotlined", "hotlined.conf"))
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777),
                         (0, gid, 0o640))

    @unittest.skipUnless(ANALYZE, "systemd-analyze is not installed")
    def test_units_verify_without_a_word(self):
        d = self.verify_dir()
        # Documentation= is checked against the staged man pages.
        env = dict(os.environ,
                   MANPATH=self.path("/usr/share/man"), SYSTEMD_PAGER="",
                   SYSTEMD_LOG_COLOR="0")
        p = subprocess.run([ANALYZE, "verify"] + [os.path.join(d, u)
                                                  for u in UNITS],
                           cwd=d, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        # verify exits 0 on warnings: any output at all is a failure.
        self.assertEqual((p.returncode, p.stdout.decode()), (0, ""))

    @unittest.skipUnless(ANALYZE, "systemd-analyze is not installed")
    def test_security_exposure_is_ok(self):
        d = self.verify_dir()
        p = subprocess.run([ANALYZE, "security", "--offline=yes",
                            "--no-pager",
                            os.path.join(d, "hotlined.service")],
                           cwd=d, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode()
        m = re.search(r"Overall exposure level for hotlined\.service: "
                      r"(\d+\.\d+) (\w+)", out)
        self.assertIsNotNone(m, out)
        self.assertLessEqual(float(m.group(1)), SECURITY_MAX, out)
        self.assertEqual(m.group(2), "OK", out)


if __name__ == "__main__":
    unittest.main()
