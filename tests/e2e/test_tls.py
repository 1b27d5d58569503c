"""TLS on the TCP listeners, with a throwaway CA made by the openssl
command: a good certificate accepted (hotline --cacert, Python's ssl),
the wrong CA refused (nothing stored, the call spooled and sent once the
right CA is named), plain HTTP to the TLS port refused, TLS 1.1 refused,
new certificates taken by a reload and a bad pair refused by it, the
status listener over TLS; hotline refusing http:// off the loopback
unless --insecure-plain; handshakes never finished cut off by the
timeout; config errors naming file, line and setting."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import uuid
import warnings

from harness import DEV_LIMITS, HOTLINED, TOKENS, Daemon, free_port, good

EXT = ("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
       "basicConstraints=critical,CA:FALSE\n"
       "keyUsage=critical,digitalSignature\n"
       "extendedKeyUsage=serverAuth\n")


def openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if p.returncode != 0:
        raise AssertionError("openssl %s: %s" % (" ".join(args),
                                                 p.stderr.decode()))


class LoopbackHTTPS(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1, the certificate checked for the name host: a
    machine without /etc/hosts (a minimal chroot, a bare container) need
    not resolve "localhost" for the name check to be tested."""

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port),
                                        self.timeout)
        self.sock = self._context.wrap_socket(sock,
                                              server_hostname=self.host)


def make_ca(d, name):
    """A CA: NAME-ca.pem and NAME-ca.key in d."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=hotlined test CA " + name,
            "-keyout", name + "-ca.key", "-out", name + "-ca.pem", cwd=d)


def make_server(d, ca, name):
    """A server certificate for 127.0.0.1 and localhost signed by ca:
    NAME.pem and NAME.key in d."""
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write(EXT)
    openssl("req", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
            "/CN=localhost", "-keyout", name + ".key", "-out",
            name + ".csr", cwd=d)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + "-ca.pem",
            "-CAkey", ca + "-ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "ext.cnf", "-out", name + ".pem", cwd=d)


class PKI:
    """Two CAs, a server certificate from each, made once per run."""
    dir = None

    @classmethod
    def get(cls):
        if cls.dir is None:
            cls.dir = tempfile.mkdtemp(prefix="hotlined-pki-")
            make_ca(cls.dir, "good")
            make_ca(cls.dir, "other")
            make_server(cls.dir, "good", "server")
            make_server(cls.dir, "other", "server2")
        return cls.dir

    @classmethod
    def path(cls, name):
        return os.path.join(cls.get(), name)


def tls_listen(port, cert="server.pem", key="server.key"):
    return ('{ address = "tcp:127.0.0.1:%d"; tls = { cert = "%s"; '
            'key = "%s"; }; }' % (port, cert, key))


def with_tls(conf, plain_port, entry):
    """The daemon's config with entry added to api.listen (a list in
    parentheses: a libconfig array [ ] holds only strings)."""
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    old = '[ "unix:api.sock", "tcp:127.0.0.1:%d" ]' % plain_port
    assert old in text, text
    text = text.replace(old, '( "unix:api.sock", "tcp:127.0.0.1:%d", %s )'
                        % (plain_port, entry), 1)
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)


def context(ca):
    c = ssl.create_default_context(cafile=PKI.path(ca))
    return c


def wait_log(d, text, timeout=10):
    deadline = time.time() + timeout
    while text not in d.stderr():
        if time.time() > deadline:
            raise AssertionError("no %r in the log:\n%s" % (text,
                                                            d.stderr()))
        time.sleep(0.05)


class TLSTest(unittest.TestCase):
    """A daemon with a TLS listener at self.tls_port (certificate files
    copied next to its config and named relatively, as store.path is)."""
    status_tls = False
    limits = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        for n in ("server.pem", "server.key", "server2.pem", "server2.key"):
            shutil.copy(PKI.path(n), self.tmp)
        os.chmod(os.path.join(self.tmp, "server.key"), 0o600)
        self.d = Daemon(self.tmp, self.limits)
        self.tls_port = free_port()
        with_tls(self.d.conf, self.d.port, tls_listen(self.tls_port))
        if self.status_tls:
            self.status_port = free_port()
            with open(self.d.conf, "a", encoding="utf-8") as f:
                f.write('\nstatus = {\n  listen = ( %s );\n};\n'
                        % tls_listen(self.status_port))
        self.d.start()
        self.url = "https://127.0.0.1:%d" % self.tls_port

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def https(self, method, path, body=None, who="wang", ca="good-ca.pem",
              host="127.0.0.1", ctx=None):
        conn = LoopbackHTTPS(
            host, self.tls_port, timeout=30,
            context=ctx if ctx is not None else context(ca))
        h = {}
        if who is not None:
            h["Authorization"] = "Bearer " + TOKENS[who]
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
            h["Idempotency-Key"] = str(uuid.uuid4())
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            return r.status, json.loads(r.read() or b"null")
        finally:
            conn.close()

    def client(self, *args, env=None):
        e = {"HOTLINE_SERVER": self.url}
        e.update(env or {})
        return self.d.client(*args, env=e)


class TestTLS(TLSTest):
    def test_good_ca_client_logs_and_lists(self):
        ca = PKI.path("good-ca.pem")
        p = self.client("--cacert", ca, "log", "-l", "400", "-c", "medic",
                        "-t", "anxiety", "-r", "low")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("logged call 1", p.out)
        self.assertEqual(self.d.count_rows(), 1)
        # The test certificates live two days: the daemon warns of it.
        self.assertIn("tcp:127.0.0.1:%d: the TLS certificate expires in 1 "
                      "day" % self.tls_port, self.d.stderr())
        # By name (the certificate holds DNS:localhost), the CA from the
        # environment.
        p = self.d.client("list", env={
            "HOTLINE_SERVER": "https://localhost:%d" % self.tls_port,
            "HOTLINE_CACERT": ca})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("wang", p.out)
        self.assertEqual(len(p.out.strip().splitlines()), 2, p.out)

    def test_client_config_names_the_ca(self):
        xdg = os.path.join(self.tmp, "xdg", "hotline")
        os.makedirs(xdg)
        with open(os.path.join(xdg, "hotline.conf"), "w") as f:
            f.write('server = "%s";\ncacert = "%s";\n'
                    % (self.url, PKI.path("good-ca.pem")))
        p = self.d.client("whoami", env={"HOTLINE_SERVER": ""})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("wang", p.out)

    def test_python_https_and_bearer_auth(self):
        status, body = self.https("GET", "/v1/whoami")
        self.assertEqual((status, body["name"], body["via"]),
                         (200, "wang", "tcp"))
        status, body = self.https("GET", "/v1/whoami", who=None)
        self.assertEqual(status, 401, body)
        status, body = self.https("POST", "/v1/calls", good())
        self.assertEqual(status, 201, body)
        status, body = self.https("GET", "/v1/calls/%d" % body["id"],
                                  host="localhost")
        self.assertEqual((status, body["line"]), (200, "400"))
        self.assertEqual(self.d.count_rows(), 1)
        # The plain listener and the Unix socket are untouched.
        self.assertEqual(self.d.request("GET", "/v1/whoami").status, 200)
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        unix=True).status, 200)

    def test_keepalive_requests_on_one_connection(self):
        conn = http.client.HTTPSConnection("127.0.0.1", self.tls_port,
                                           timeout=30,
                                           context=context("good-ca.pem"))
        try:
            for _ in range(3):
                conn.request("GET", "/v1/whoami", headers={
                    "Authorization": "Bearer " + TOKENS["li"]})
                r = conn.getresponse()
                self.assertEqual(json.loads(r.read())["name"], "li")
        finally:
            conn.close()

    def test_wrong_ca_refused_nothing_stored_call_kept(self):
        other = PKI.path("other-ca.pem")
        p = self.client("--cacert", other, "list")
        self.assertEqual(p.returncode, 1, p.err)
        self.assertIn(self.url, p.err)
        self.assertIn("certificate is not trusted", p.err)
        # Without --cacert the system's CAs are used: refused as well.
        p = self.client("whoami")
        self.assertEqual(p.returncode, 1, p.err)
        self.assertIn("certificate is not trusted", p.err)
        # A call is not lost: saved locally with the reason, tried once.
        p = self.client("--strict", "--cacert", other, "log", "-l", "400",
                        "-c", "medic", "-t", "anxiety", "-r", "low")
        self.assertEqual(p.returncode, 3, p.err)
        self.assertIn("certificate is not trusted", p.err)
        self.assertNotIn("trying again", p.err)
        self.assertEqual(self.d.count_rows(), 0)
        p = self.client("sync", "--list")
        self.assertIn("certificate is not trusted", p.out + p.err)
        p = self.client("--cacert", PKI.path("good-ca.pem"), "sync")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(self.d.count_rows(), 1)
        # Python refuses the wrong CA too, and the server stored nothing.
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.https("POST", "/v1/calls", good(), ca="other-ca.pem")
        self.assertEqual(self.d.count_rows(), 1)

    def test_missing_cacert_file(self):
        p = self.client("--cacert", os.path.join(self.tmp, "none.pem"),
                        "whoami")
        self.assertEqual(p.returncode, 1, p.err)
        self.assertIn("--cacert", p.err)
        self.assertIn("none.pem", p.err)

    def test_plain_http_to_tls_port_refused(self):
        body = json.dumps(good()).encode()
        req = (b"POST /v1/calls HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Authorization: Bearer " + TOKENS["wang"].encode() +
               b"\r\nContent-Type: application/json\r\n"
               b"Idempotency-Key: " + str(uuid.uuid4()).encode() +
               b"\r\nContent-Length: " + str(len(body)).encode() +
               b"\r\n\r\n" + body)
        s = socket.create_connection(("127.0.0.1", self.tls_port), 10)
        try:
            s.sendall(req)
            got = b""
            while True:
                try:
                    b = s.recv(4096)
                except ConnectionResetError:
                    break
                if not b:
                    break
                got += b
        finally:
            s.close()
        self.assertNotIn(b"HTTP/", got)
        self.assertEqual(self.d.count_rows(), 0)
        p = self.d.client("whoami", env={
            "HOTLINE_SERVER": "http://127.0.0.1:%d" % self.tls_port})
        self.assertEqual(p.returncode, 1, p.err)
        # The daemon goes on serving TLS.
        self.assertEqual(self.https("GET", "/v1/whoami")[0], 200)

    def test_tls_1_1_refused_1_2_and_1_3_accepted(self):
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            c = context("good-ca.pem")
            c.minimum_version = c.maximum_version = version
            self.assertEqual(self.https("GET", "/v1/whoami", ctx=c)[0], 200)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            c = context("good-ca.pem")
            c.set_ciphers("DEFAULT:@SECLEVEL=0")
            c.minimum_version = ssl.TLSVersion.TLSv1
            c.maximum_version = ssl.TLSVersion.TLSv1_1
        with self.assertRaises(ssl.SSLError) as cm:
            self.https("POST", "/v1/calls", good(), ctx=c)
        # The server's alert, not this side's refusal to try; where this
        # side's OpenSSL will not even try TLS 1.1, ask openssl s_client.
        said = str(cm.exception).upper()
        if "PROTOCOL_VERSION" not in said:
            p = subprocess.run(
                ["openssl", "s_client", "-connect",
                 "127.0.0.1:%d" % self.tls_port, "-tls1_1", "-cipher",
                 "DEFAULT@SECLEVEL=0"], input=b"", stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, timeout=30)
            said = p.stdout.decode("utf-8", "replace").upper()
            self.assertNotEqual(p.returncode, 0, said)
        self.assertTrue("PROTOCOL_VERSION" in said or
                        "ALERT PROTOCOL VERSION" in said, said)
        self.assertEqual(self.d.count_rows(), 0)

    def test_tls_1_2_only_forward_secret_aead_ciphers(self):
        # ECDHE with GCM or ChaCha20: yes; CBC or static RSA key exchange:
        # the server refuses the handshake.
        for cipher in ("ECDHE-ECDSA-AES128-GCM-SHA256",
                       "ECDHE-ECDSA-CHACHA20-POLY1305"):
            c = context("good-ca.pem")
            c.maximum_version = ssl.TLSVersion.TLSv1_2
            c.set_ciphers(cipher)
            self.assertEqual(self.https("GET", "/v1/whoami", ctx=c)[0], 200,
                             cipher)
        for cipher in ("ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"):
            c = context("good-ca.pem")
            c.maximum_version = ssl.TLSVersion.TLSv1_2
            c.set_ciphers(cipher)
            with self.assertRaises(ssl.SSLError, msg=cipher) as cm:
                self.https("GET", "/v1/whoami", ctx=c)
            self.assertIn("HANDSHAKE_FAILURE", str(cm.exception).upper())
        self.assertEqual(self.https("GET", "/v1/whoami")[0], 200)

    def test_reload_takes_new_certificate_and_refuses_a_bad_pair(self):
        self.assertEqual(self.https("GET", "/v1/whoami")[0], 200)
        # An open connection keeps its session across the reload.
        keep = http.client.HTTPSConnection("127.0.0.1", self.tls_port,
                                           timeout=30,
                                           context=context("good-ca.pem"))
        keep.connect()
        for n in ("pem", "key"):
            shutil.copy(os.path.join(self.tmp, "server2." + n),
                        os.path.join(self.tmp, "server." + n))
        self.d.proc.send_signal(signal.SIGHUP)
        wait_log(self.d, "reloaded")
        self.assertEqual(self.https("GET", "/v1/whoami",
                                    ca="other-ca.pem")[0], 200)
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.https("GET", "/v1/whoami")
        keep.request("GET", "/v1/whoami", headers={
            "Authorization": "Bearer " + TOKENS["wang"]})
        self.assertEqual(keep.getresponse().status, 200)
        keep.close()
        # A key that does not match: the reload is refused, the
        # certificate in use stays.
        shutil.copy(PKI.path("server.key"),
                    os.path.join(self.tmp, "server.key"))
        self.d.proc.send_signal(signal.SIGHUP)
        wait_log(self.d, "reload refused")
        self.assertIn("does not match", self.d.stderr())
        self.assertEqual(self.https("GET", "/v1/whoami",
                                    ca="other-ca.pem")[0], 200)

    def test_reload_can_turn_tls_off_and_on(self):
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        entry = tls_listen(self.tls_port)
        plain = text.replace(entry, '"tcp:127.0.0.1:%d"' % self.tls_port)
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(plain)
        self.d.proc.send_signal(signal.SIGHUP)
        wait_log(self.d, "TLS is off")
        p = self.d.client("whoami", env={
            "HOTLINE_SERVER": "http://127.0.0.1:%d" % self.tls_port})
        self.assertEqual(p.returncode, 0, p.err)
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        self.d.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while self.d.stderr().count("reloaded") < 2:
            self.assertLess(time.time(), deadline, self.d.stderr())
            time.sleep(0.05)
        self.assertEqual(self.https("GET", "/v1/whoami")[0], 200)


class TestTLSHalfOpen(TLSTest):
    """Clients that never finish the handshake are cut off by
    limits.timeout_s like any slow client; the others are served."""
    limits = {"timeout_s": 1}

    def read_until_closed(self, s):
        s.settimeout(30)
        got = b""
        while True:
            try:
                b = s.recv(4096)
            except ConnectionResetError:
                return got
            if not b:
                return got
            got += b

    def test_silent_and_partial_handshakes_are_closed(self):
        silent = socket.create_connection(("127.0.0.1", self.tls_port), 10)
        partial = socket.create_connection(("127.0.0.1", self.tls_port), 10)
        # The first bytes of a ClientHello record, then nothing.
        partial.sendall(b"\x16\x03\x01\x02\x00\x01")
        try:
            # Served meanwhile.
            self.assertEqual(self.https("GET", "/v1/whoami")[0], 200)
            self.assertEqual(self.read_until_closed(silent), b"")
            self.assertNotIn(b"HTTP/", self.read_until_closed(partial))
        finally:
            silent.close()
            partial.close()
        self.assertEqual(self.https("GET", "/v1/whoami")[0], 200)


class TestStatusTLS(TLSTest):
    status_tls = True

    def test_status_listener_over_tls(self):
        addr = "https://127.0.0.1:%d" % self.status_port
        p = self.d.client("--status", addr, "--cacert",
                          PKI.path("good-ca.pem"), "status")
        self.assertEqual(p.returncode, 0, p.err)
        p = self.d.client("--status", addr, "status")
        self.assertEqual(p.returncode, 1, p.err)
        self.assertIn("certificate is not trusted", p.err)
        conn = LoopbackHTTPS(
            "localhost", self.status_port, timeout=30,
            context=context("good-ca.pem"))
        try:
            conn.request("GET", "/healthz")
            self.assertEqual(conn.getresponse().status, 200)
        finally:
            conn.close()


class TestInsecurePlain(unittest.TestCase):
    """http:// to a host off the loopback: refused before connecting
    unless --insecure-plain."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotline-plain-")
        self.d = Daemon(self.tmp)     # never started: only its client()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_client(self, *args, env=None):
        return self.d.client(*args, who="wang", env=env)

    def test_refused_without_the_option(self):
        for server in ("http://192.0.2.1:8692", "http://[2001:db8::1]:80",
                       "http://127.0.0.1.example:80", "http://example"):
            p = self.run_client("--server", server, "whoami")
            self.assertEqual(p.returncode, 2, (server, p.err))
            self.assertIn("--insecure-plain", p.err)
            self.assertIn(server, p.err)
            self.assertNotIn("cannot connect", p.err)
        # From the environment as well; a call is not sent (exit 2).
        p = self.run_client("log", "-l", "400", "-c", "medic", "-t",
                            "anxiety", "-r", "low", env={
                                "HOTLINE_SERVER": "http://192.0.2.1:8692"})
        self.assertEqual(p.returncode, 2, p.err)
        self.assertIn("nothing was sent", p.err)
        p = self.run_client("--status", "http://192.0.2.1:8693", "status")
        self.assertEqual(p.returncode, 2, p.err)

    def local_address(self):
        """A non-loopback address of this machine, or None."""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.connect(("192.0.2.1", 9))
            a = s.getsockname()[0]
        except OSError:
            return None
        finally:
            s.close()
        return None if a.startswith("127.") else a

    def test_no_connection_without_the_option(self):
        addr = self.local_address()
        if addr is None:
            self.skipTest("no address off the loopback")
        ls = socket.socket()
        ls.bind((addr, 0))
        ls.listen(8)
        ls.settimeout(0.2)
        server = "http://%s:%d" % (addr, ls.getsockname()[1])
        try:
            p = self.run_client("--server", server, "whoami")
            self.assertEqual(p.returncode, 2, p.err)
            with self.assertRaises(socket.timeout):
                ls.accept()[0].close()
            # With the option it does connect (and gets no answer here).
            p = self.run_client("--insecure-plain", "--server", server,
                                "whoami", env={"HOTLINE_TIMEOUT": "2"})
            self.assertEqual(p.returncode, 1, p.err)
            ls.accept()[0].close()
        finally:
            ls.close()

    def test_loopback_is_allowed(self):
        for server in ("http://127.0.0.1:1", "http://127.8.9.10:1",
                       "http://localhost:1", "http://[::1]:1",
                       "http://LocalHost:1/"):
            p = self.run_client("--server", server, "whoami")
            self.assertEqual(p.returncode, 1, (server, p.err))
            self.assertIn("cannot connect", p.err)


class TestTLSConfig(unittest.TestCase):
    """Errors in tls = { ... } exit 78 and name file, line and setting;
    checked by -t and at start alike."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-tlsconf-")
        for n in ("server.pem", "server.key", "server2.key"):
            shutil.copy(PKI.path(n), self.tmp)
        self.d = Daemon(self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check(self, entry, setting, says):
        with_tls(self.d.conf, self.d.port, entry)
        with open(self.d.conf, encoding="utf-8") as f:
            line = 1 + f.read().split(entry)[0].count("\n")
        want = "%s:%d: %s: " % ("hotlined.conf", line, setting)
        for args in (["-t"], ["-f"]):
            p = subprocess.run([HOTLINED] + args + ["-c", "hotlined.conf"],
                               cwd=self.tmp, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            err = p.stderr.decode()
            self.assertEqual(p.returncode, 78, (args, err))
            self.assertIn(want, err, args)
            self.assertIn(says, err.split(want, 1)[1], args)
        self.assertFalse(os.path.exists(os.path.join(self.tmp,
                                                     "hotline.db")))

    def test_missing_key_setting(self):
        self.check('{ address = "tcp:127.0.0.1:1"; tls = { cert = '
                   '"server.pem"; }; }', "api.listen[2].tls.key",
                   "is required")

    def test_missing_key_file(self):
        self.check(tls_listen(1, key="nokey.pem"), "api.listen[2].tls.key",
                   "nokey.pem: No such file or directory")

    def test_key_not_matching_the_certificate(self):
        self.check(tls_listen(1, key="server2.key"),
                   "api.listen[2].tls.key", "does not match")

    def test_certificate_not_pem(self):
        with open(os.path.join(self.tmp, "junk.pem"), "w") as f:
            f.write("not a certificate\n")
        self.check(tls_listen(1, cert="junk.pem"), "api.listen[2].tls.cert",
                   "not a PEM certificate")

    def test_key_open_to_others(self):
        os.chmod(os.path.join(self.tmp, "server.key"), 0o644)
        self.check(tls_listen(1), "api.listen[2].tls.key",
                   "server.key: the private key is open to others "
                   "(mode 0644)")

    def test_tls_on_a_unix_address(self):
        self.check('{ address = "unix:other.sock"; tls = { cert = '
                   '"server.pem"; key = "server.key"; }; }',
                   "api.listen[2].tls", "only a tcp: address")

    def test_unknown_setting_in_tls(self):
        self.check('{ address = "tcp:127.0.0.1:1"; tls = { cert = '
                   '"server.pem"; key = "server.key"; ca = "x"; }; }',
                   "api.listen[2].tls.ca", "unknown setting")

    def test_group_without_address(self):
        self.check('{ tls = { cert = "server.pem"; key = "server.key"; }; }',
                   "api.listen[2]", "needs address")

    def test_good_pair_checks_ok(self):
        # Readable by the daemon's group is fine (root:hotlined 0640).
        os.chmod(os.path.join(self.tmp, "server.key"), 0o640)
        with_tls(self.d.conf, self.d.port, tls_listen(1))
        p = subprocess.run([HOTLINED, "-t", "-c", "hotlined.conf"],
                           cwd=self.tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr.decode())


def tearDownModule():
    if PKI.dir is not None:
        shutil.rmtree(PKI.dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()


class TestTLSLimits(TLSTest):
    """The connection limits hold on a TLS listener too: a connection over
    the per-peer limit is closed without a plain-text answer (there is no
    plain HTTP on a TLS port), while another address and the connections
    already open are served."""
    limits = dict(DEV_LIMITS, max_connections_per_peer=2)

    def handshake(self, src="127.0.0.1"):
        raw = socket.create_connection(("127.0.0.1", self.tls_port),
                                       timeout=10, source_address=(src, 0))
        return context("good-ca.pem").wrap_socket(raw,
                                                  server_hostname="127.0.0.1")

    def ask(self, s):
        s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: x\r\nAuthorization: "
                  b"Bearer " + TOKENS["wang"].encode() + b"\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        n = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
        while len(body) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return head

    def test_per_peer_limit_over_tls(self):
        held = [self.handshake(), self.handshake()]
        try:
            for s in held:
                self.assertIn(b" 200 ", self.ask(s))
            # The third from this address: closed, nothing in plain text.
            with self.assertRaises((ssl.SSLError, OSError)):
                s = self.handshake()
                try:
                    if not self.ask(s):
                        raise OSError("closed")
                finally:
                    s.close()
            # Another address is served, and so are the two held ones.
            s = self.handshake("127.0.0.2")
            try:
                self.assertIn(b" 200 ", self.ask(s))
            finally:
                s.close()
            for s in held:
                self.assertIn(b" 200 ", self.ask(s))
        finally:
            for s in held:
                s.close()
        self.assertIn("max_connections_per_peer", self.d.stderr())
