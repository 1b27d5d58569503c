"""The browser console's daemon side, over plain HTTP as a browser speaks
it: the static files (types, ETag and 304, long cache for fingerprinted
assets, .gz when accepted, no listing, nothing outside web.root), the
security headers on every answer, no-store on the API's; signing in with
a password (sessions that survive a restart, idle and absolute expiry, a
reload that changes a password or role or removes the user ends their
sessions), the origin check on every request that acts with a cookie,
failed sign-ins counted and audited, sign-in and sign-out audited, and
hotlined --new-password. The console itself is tested in a real browser
(tests/browser)."""
import gzip
import http.client
import json
import os
import re
import select
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

from harness import DEV_LIMITS, HOTLINED, Daemon, good

CSP = ("default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")
PASSWORDS = {"wang": "dev-operator-wang", "zhao": "dev-counselor-zhao",
             "chen": "dev-supervisor-chen", "ops": "dev-admin-ops"}


def make_web(root):
    """A small console tree: index.html, a fingerprinted asset and its
    .gz, a page in a folder, and a secret beside (outside) the root."""
    os.makedirs(os.path.join(root, "assets"))
    os.makedirs(os.path.join(root, "docs"))
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write('<!doctype html><title>热线</title>'
                '<script type="module" src="/assets/app-1a2b3c.js"></script>')
    js = b"console.log('hotline');\n" * 50
    with open(os.path.join(root, "assets", "app-1a2b3c.js"), "wb") as f:
        f.write(js)
    with open(os.path.join(root, "assets", "app-1a2b3c.js.gz"), "wb") as f:
        f.write(gzip.compress(js))
    with open(os.path.join(root, "docs", "help.txt"), "w") as f:
        f.write("help\n")
    with open(os.path.join(os.path.dirname(root), "secret.txt"), "w") as f:
        f.write("outside the root\n")
    os.symlink(os.path.join(os.path.dirname(root), "secret.txt"),
               os.path.join(root, "leak.txt"))
    return js


class ConsoleTest(unittest.TestCase):
    limits = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        self.root = os.path.join(self.tmp, "web", "dist")
        self.js = make_web(self.root)
        self.d = Daemon(self.tmp, self.limits, web=self.root).start()

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def get(self, path, headers=None, method="GET", body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port,
                                          timeout=30)
        conn.putrequest(method, path, skip_accept_encoding=True)
        h = {"Host": "127.0.0.1:%d" % self.d.port}
        h.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            h["Content-Type"] = "application/json"
            h["Content-Length"] = str(len(data))
        for k, v in h.items():
            conn.putheader(k, v)
        conn.endheaders(data)
        r = conn.getresponse()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        conn.close()
        return out

    def origin(self):
        return "http://127.0.0.1:%d" % self.d.port

    def sign_in(self, name="wang", password=None, origin=True):
        h = {"Origin": self.origin()} if origin else {}
        st, hdr, body = self.get("/v1/session", h, "POST",
                                 {"name": name,
                                  "password": password or PASSWORDS[name]})
        cookie = None
        if "set-cookie" in hdr:
            cookie = hdr["set-cookie"].split(";")[0]
        return st, hdr, body, cookie

    def with_cookie(self, cookie, origin=True):
        h = {"Cookie": cookie}
        if origin:
            h["Origin"] = self.origin()
        return h

    def audit(self):
        db = sqlite3.connect(self.d.db)
        try:
            return [r for r in db.execute(
                "SELECT who, action, detail FROM audit ORDER BY id")]
        finally:
            db.close()


class TestFiles(ConsoleTest):
    def test_index_types_and_security_headers(self):
        st, h, body = self.get("/")
        self.assertEqual(st, 200)
        self.assertIn("热线", body.decode())
        self.assertEqual(h["content-type"], "text/html; charset=utf-8")
        self.assertEqual(h["content-security-policy"], CSP)
        self.assertEqual(h["x-content-type-options"], "nosniff")
        self.assertEqual(h["referrer-policy"], "no-referrer")
        self.assertEqual(h["cache-control"], "no-cache")
        # A screen's own address is the console's page too.
        st, h2, body2 = self.get("/calls")
        self.assertEqual((st, body2), (200, body))
        st, h, body = self.get("/assets/app-1a2b3c.js")
        self.assertEqual(st, 200)
        self.assertEqual(body, self.js)
        self.assertEqual(h["content-type"], "text/javascript; charset=utf-8")
        self.assertIn("immutable", h["cache-control"])
        self.assertIn("max-age=31536000", h["cache-control"])
        st, h, _ = self.get("/docs/help.txt")
        self.assertEqual((st, h["content-type"]),
                         (200, "text/plain; charset=utf-8"))

    def test_etag_and_304(self):
        st, h, _ = self.get("/assets/app-1a2b3c.js")
        etag = h["etag"]
        self.assertIn("last-modified", h)
        st, h2, body = self.get("/assets/app-1a2b3c.js",
                                {"If-None-Match": etag})
        self.assertEqual((st, body), (304, b""))
        self.assertEqual(h2["etag"], etag)
        st, _, _ = self.get("/assets/app-1a2b3c.js",
                            {"If-None-Match": '"other"'})
        self.assertEqual(st, 200)

    def test_gzip_when_accepted(self):
        st, h, body = self.get("/assets/app-1a2b3c.js",
                               {"Accept-Encoding": "gzip, deflate"})
        self.assertEqual(st, 200)
        self.assertEqual(h.get("content-encoding"), "gzip")
        self.assertEqual(h["vary"], "Accept-Encoding")
        self.assertEqual(gzip.decompress(body), self.js)
        st, h, body = self.get("/assets/app-1a2b3c.js",
                               {"Accept-Encoding": "gzip;q=0"})
        self.assertNotIn("content-encoding", h)
        self.assertEqual(body, self.js)
        # No .gz beside it: the file itself.
        st, h, body = self.get("/", {"Accept-Encoding": "gzip"})
        self.assertNotIn("content-encoding", h)

    def test_no_listing_no_escape(self):
        for path in ("/assets/", "/docs/", "/../secret.txt",
                     "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                     "/assets%2f..%2f..%2fsecret.txt", "/..%2fsecret.txt",
                     "/assets/%00.js", "/leak.txt", "/.hidden.js",
                     "/assets/app-1a2b3c.js/", "/x.exe", "//etc/passwd",
                     "/docs/../../secret.txt"):
            st, h, body = self.get(path)
            self.assertEqual(st, 404, path)
            self.assertNotIn(b"outside the root", body, path)
            self.assertEqual(h["content-security-policy"], CSP, path)

    def test_methods(self):
        st, h, _ = self.get("/", method="POST", body={})
        self.assertEqual(st, 405)
        self.assertEqual(h["allow"], "GET, HEAD")
        st, h, body = self.get("/", method="HEAD")
        self.assertEqual((st, body), (200, b""))

    def test_api_answers_carry_the_headers_and_no_store(self):
        r = self.d.request("GET", "/v1/calls")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["cache-control"], "no-store")
        self.assertEqual(r.headers["content-security-policy"], CSP)
        r = self.d.request("GET", "/v1/nothing")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.headers["cache-control"], "no-store")
        self.assertEqual(r.headers["x-content-type-options"], "nosniff")


class TestNoWebRoot(unittest.TestCase):
    def test_without_web_root_only_the_api(self):
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        d = Daemon(tmp).start()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", d.port)
            conn.request("GET", "/")
            r = conn.getresponse()
            self.assertEqual(r.status, 404)
            r.read()
            conn.close()
        finally:
            d.stop()
            shutil.rmtree(tmp, ignore_errors=True)


class TestSessions(ConsoleTest):
    limits = dict(DEV_LIMITS, auth_failures=3, auth_window_s=60,
                  auth_block_s=60)

    def test_sign_in_acts_as_the_user_and_signs_out(self):
        st, h, body, cookie = self.sign_in()
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["name"], "wang")
        self.assertEqual(json.loads(body)["role"], "operator")
        attrs = h["set-cookie"]
        self.assertRegex(cookie, r"^hotline_session=[0-9a-f]{64}$")
        for a in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(a, attrs)
        self.assertNotIn("Secure", attrs)       # plain HTTP on loopback
        self.assertEqual(h["cache-control"], "no-store")
        st, _, body = self.get("/v1/session", self.with_cookie(cookie))
        self.assertEqual((st, json.loads(body)["name"]), (200, "wang"))
        # The same role table, the same operator: a call is logged.
        hh = self.with_cookie(cookie)
        hh["Idempotency-Key"] = str(uuid.uuid4())
        st, _, body = self.get("/v1/calls", hh, "POST", good())
        self.assertEqual(st, 201, body)
        self.assertEqual(json.loads(body)["operator"], "wang")
        st, _, _ = self.get("/v1/stats?from=2026-01-01&to=2026-01-02",
                            self.with_cookie(cookie))
        self.assertEqual(st, 403)               # operators see no stats
        # The store keeps only the id's hash.
        db = sqlite3.connect(self.d.db)
        stored = [r[0] for r in db.execute("SELECT id_sha FROM sessions")]
        db.close()
        self.assertEqual(len(stored), 1)
        self.assertNotIn(cookie.split("=")[1].encode(), stored[0])
        st, h, _ = self.get("/v1/session", self.with_cookie(cookie),
                            "DELETE")
        self.assertEqual(st, 204)
        self.assertIn("Max-Age=0", h["set-cookie"])
        st, _, body = self.get("/v1/session", self.with_cookie(cookie))
        self.assertEqual(st, 401)
        self.assertEqual(json.loads(body)["error"], "session_ended")
        actions = [(w, a) for w, a, _ in self.audit()]
        self.assertIn(("wang", "auth.signin"), actions)
        self.assertIn(("wang", "auth.signout"), actions)

    def test_wrong_password_is_counted_audited_then_blocked(self):
        for name, pw in (("wang", "nope-nope"), ("nobody", "whatever1"),
                         ("wang", "dev-operator-li")):
            st, h, body, cookie = self.sign_in(name, pw)
            self.assertEqual(st, 401, body)
            self.assertIsNone(cookie)
            self.assertEqual(json.loads(body)["error"], "unauthorized")
        st, h, body, cookie = self.sign_in()    # right, but blocked now
        self.assertEqual(st, 429, body)
        self.assertIn("retry-after", h)
        self.assertTrue(any(a == "auth.fail" for _, a, _ in self.audit()))
        self.assertNotIn("nope-nope", self.d.stderr())

    def test_asking_without_credentials_is_no_failure(self):
        for _ in range(5):      # more than auth_failures = 3
            st, _, body = self.get("/v1/session")
            self.assertEqual(st, 401, body)
        self.assertFalse(any(a == "auth.fail" for _, a, _ in self.audit()))
        self.assertEqual(self.sign_in()[0], 200)

    def test_bad_bodies(self):
        for body in ({}, {"name": "wang"}, {"name": 1, "password": "x"},
                     ["wang"]):
            st, _, b = self.get("/v1/session", {"Origin": self.origin()},
                                "POST", body)
            self.assertEqual(st, 400, (body, b))

    def test_another_origin_cannot_act(self):
        st, _, _, cookie = self.sign_in()
        for origin in ("http://evil.example", "null",
                       "http://127.0.0.1:1", None):
            h = {"Cookie": cookie, "Idempotency-Key": str(uuid.uuid4())}
            if origin:
                h["Origin"] = origin
            st, _, body = self.get("/v1/calls", h, "POST", good())
            self.assertEqual(st, 403, (origin, body))
            self.assertEqual(json.loads(body)["error"], "forbidden_origin")
        self.assertEqual(self.d.count_rows(), 0)
        # Reads need no Origin (a page's own GET may not send one).
        st, _, _ = self.get("/v1/calls", {"Cookie": cookie})
        self.assertEqual(st, 200)
        # Signing in from another site's page is refused too.
        st, _, _ = self.get("/v1/session", {"Origin": "http://evil.example"},
                            "POST", {"name": "wang",
                                     "password": PASSWORDS["wang"]})
        self.assertEqual(st, 403)

    def test_forged_cookie_is_no_one(self):
        for c in ("hotline_session=" + "0" * 64, "hotline_session=zz",
                  "hotline_session=" + "a" * 65):
            st, _, body = self.get("/v1/calls", {"Cookie": c})
            self.assertEqual(st, 401, (c, body))

    def test_sessions_survive_a_restart(self):
        st, _, _, cookie = self.sign_in("zhao")
        self.d.restart()
        st, _, body = self.get("/v1/session", self.with_cookie(cookie))
        self.assertEqual((st, json.loads(body)["name"]), (200, "zhao"))


class TestSignInOffTheLoop(ConsoleTest):
    """Passwords are checked on a thread of their own (api_signin.c)."""
    limits = dict(DEV_LIMITS, auth_failures=3, auth_window_s=60,
                  auth_block_s=60)

    def sign_in_at_once(self, names):
        """Every name signs in on its own connection at once; each
        (status, body, cookie, monotonic time of the answer)."""
        out = {}

        def one(i, name):
            try:
                st, _, body, cookie = self.sign_in(name)
            except (OSError, http.client.HTTPException) as e:
                st, body, cookie = None, str(e).encode(), None
            out[i] = (st, body, cookie, time.monotonic())
        ts = [threading.Thread(target=one, args=(i, n))
              for i, n in enumerate(names)]
        for t in ts:
            t.start()
        return ts, out

    def raw_sign_in(self, name):
        """A sign-in sent on a socket of its own, its answer not read."""
        data = json.dumps({"name": name,
                           "password": PASSWORDS[name]}).encode()
        c = socket.create_connection(("127.0.0.1", self.d.port))
        c.sendall(b"POST /v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/json\r\nContent-Length: " +
                  str(len(data)).encode() + b"\r\n\r\n" + data)
        return c

    def test_other_requests_are_answered_while_passwords_are_checked(self):
        names = ["wang", "zhao", "chen", "ops"] * 2
        socks = [self.raw_sign_in(n) for n in names]
        # A request with a token, sent after the eight sign-ins: the loop
        # answers it while the thread still checks them, one at a time
        # (tens of milliseconds each). Checked on the loop, it would
        # wait for all eight.
        st, _, body = self.get("/v1/queues", {
            "Authorization": "Bearer dev-counselor-zhao"})
        self.assertEqual(st, 200, body)
        answered, _, _ = select.select(socks, [], [], 0)
        self.assertLess(len(answered), len(socks), "the request waited "
                        "for every password check")
        cookies = set()
        for c, name in zip(socks, names):
            r = http.client.HTTPResponse(c)
            r.begin()
            body = r.read()
            self.assertEqual(r.status, 200, body)
            self.assertEqual(json.loads(body)["name"], name)
            cookies.add(r.getheader("Set-Cookie").split(";")[0])
            c.close()
        self.assertEqual(len(cookies), len(names))
        signins = [a for _, a, _ in self.audit() if a == "auth.signin"]
        self.assertEqual(len(signins), len(names))

    def test_too_many_at_once_are_told_to_retry(self):
        # 16 checks may wait; a 17th at that moment is told to retry,
        # counts as no failed sign-in, and loses nothing.
        socks = [self.raw_sign_in("wang") for _ in range(24)]
        got = []
        for c in socks:
            c.settimeout(60)
            r = http.client.HTTPResponse(c)
            r.begin()
            got.append((r.status, json.loads(r.read())))
            c.close()
        busy = [b for st, b in got if st == 503]
        self.assertTrue(busy, "24 sign-ins at once, none told to retry")
        for b in busy:
            self.assertEqual(b["error"], "busy")
        self.assertEqual(len(busy) + sum(1 for st, _ in got if st == 200),
                         24, got)
        self.assertFalse(any(a == "auth.fail"
                             for _, a, _ in self.audit()))
        st, _, body, _ = self.sign_in()
        self.assertEqual(st, 200, body)

    def test_wrong_passwords_at_once_are_each_counted(self):
        out = {}

        def one(i, name):
            st, _, body, _ = self.sign_in(name, "not-the-password")
            out[i] = (st, body)
        ts = [threading.Thread(target=one, args=(i, n))
              for i, n in enumerate(("wang", "nobody", "zhao"))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertEqual(sorted(st for st, _ in out.values()), [401] * 3,
                         out)
        st, h, body, _ = self.sign_in()
        self.assertEqual(st, 429, body)     # auth_failures = 3
        self.assertIn("retry-after", h)
        fails = [a for _, a, _ in self.audit() if a == "auth.fail"]
        self.assertTrue(fails)

    def test_clients_gone_before_their_check_ends(self):
        for _ in range(6):
            self.raw_sign_in("wang").close()
        # The checks end with no one to answer; the next sign-in works.
        st, _, body, cookie = self.sign_in("chen")
        self.assertEqual(st, 200, body)
        self.assertIsNotNone(cookie)

    def test_a_stop_while_passwords_are_checked(self):
        ts, out = self.sign_in_at_once(["wang", "zhao", "chen", "ops"] * 2)
        time.sleep(0.05)
        self.assertEqual(self.d.stop(), 0)
        for t in ts:
            t.join(60)
        # Each was answered (200 or 503) or saw the daemon go; none hung.
        self.assertEqual(len(out), 8)
        for st, body, _, _ in out.values():
            self.assertIn(st, (200, 503, None), body)
            if st == 503:
                self.assertEqual(json.loads(body)["error"],
                                 "shutting_down")


class TestSessionEnds(ConsoleTest):
    def conf_text(self):
        with open(self.d.conf, encoding="utf-8") as f:
            return f.read()

    def reload(self, text):
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        self.d.proc.send_signal(1)
        time.sleep(0.5)

    def test_reload_ends_changed_users_sessions(self):
        cookies = {n: self.sign_in(n)[3] for n in ("wang", "zhao", "chen")}
        text = self.conf_text()
        # wang's password changes; zhao becomes a supervisor; chen stays.
        out = subprocess.run([HOTLINED, "--new-password", "wang"],
                             input=b"another-password\n",
                             stdout=subprocess.PIPE, check=True).stdout
        newhash = re.search(rb'password = "([^"]+)"', out).group(1).decode()
        text = re.sub(r'(name = "wang";.*?password = ")[^"]+"',
                      lambda m: m.group(1) + newhash + '"', text, count=1,
                      flags=re.S)
        text = re.sub(r'(name = "zhao"; role = )"counselor"',
                      r'\1"supervisor"', text, count=1)
        self.reload(text)
        st, _, _ = self.get("/v1/session", self.with_cookie(cookies["wang"]))
        self.assertEqual(st, 401)
        st, _, _ = self.get("/v1/session", self.with_cookie(cookies["zhao"]))
        self.assertEqual(st, 401)
        st, _, _ = self.get("/v1/session", self.with_cookie(cookies["chen"]))
        self.assertEqual(st, 200)
        self.assertEqual(self.sign_in("wang", "another-password")[0], 200)

    def test_idle_and_absolute_expiry(self):
        text = self.conf_text()
        self.reload(text.replace('\nweb = {\n', '\nweb = {\n'
                                 '  idle_timeout = "60s";\n'
                                 '  max_age = "120s";\n'))
        _, _, _, cookie = self.sign_in()
        # The daemon's clock is the wall clock: move the session's times
        # back in the store, then restart so they are read again.
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        db.execute("UPDATE sessions SET seen_at = seen_at - 61")
        db.commit()
        db.close()
        self.d.start()
        st, _, _ = self.get("/v1/session", self.with_cookie(cookie))
        self.assertEqual(st, 401)               # idle too long
        _, _, _, cookie = self.sign_in()
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        db.execute("UPDATE sessions SET created_at = created_at - 121")
        db.commit()
        db.close()
        self.d.start()
        st, _, _ = self.get("/v1/session", self.with_cookie(cookie))
        self.assertEqual(st, 401)               # signed in too long ago


class TestNewPassword(unittest.TestCase):
    def run_it(self, *args, stdin=b""):
        return subprocess.run([HOTLINED] + list(args), input=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def test_prints_a_yescrypt_entry(self):
        p = self.run_it("--new-password", "wang",
                        stdin=b"a long password\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout.decode(), r'password = "\$y\$[^"]+";')
        self.assertNotIn(b"a long password", p.stdout)

    def test_refusals(self):
        self.assertEqual(self.run_it("--new-password", "wang",
                                     stdin=b"short\n").returncode, 64)
        self.assertEqual(self.run_it("--new-password", "wang").returncode,
                         64)
        self.assertEqual(self.run_it("--new-password").returncode, 64)

    def test_config_refuses_a_plain_password(self):
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        try:
            d = Daemon(tmp)
            with open(d.conf, encoding="utf-8") as f:
                text = f.read()
            text = re.sub(r'(name = "wang";.*?password = ")[^"]+"',
                          lambda m: m.group(1) + 'dev-operator-wang"', text,
                          count=1, flags=re.S)
            with open(d.conf, "w", encoding="utf-8") as f:
                f.write(text)
            p = self.run_it("-t", "-c", d.conf)
            self.assertEqual(p.returncode, 78)
            self.assertIn(b"operators[0]", p.stderr)
            self.assertIn(b"password must be a hash", p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_missing_root_is_said_and_the_api_served(self):
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        d = Daemon(tmp, web=os.path.join(tmp, "no", "such")).start()
        try:
            self.assertIn("is not a directory", d.stderr())
            self.assertEqual(d.request("GET", "/v1/whoami").status, 200)
            conn = http.client.HTTPConnection("127.0.0.1", d.port)
            conn.request("GET", "/")
            r = conn.getresponse()
            r.read()
            conn.close()
            self.assertEqual(r.status, 404)
        finally:
            d.stop()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
