"""The limits against hostile clients, one at a time: each holds, and the
daemon goes on serving everyone else meanwhile. Body, header size, header
count, connections in total and per peer (127.0.0.1 and 127.0.0.2 are two
peers), the request timeout (a slowloris), the idle timeout, requests per
identity (429 with Retry-After) and failed authentications per peer."""
import http.client
import json
import select
import signal
import socket
import time
import unittest

from harness import TOKENS, DaemonTest, Response, good

BASE = {"max_body_bytes": 4096, "max_header_bytes": 2048,
        "timeout_s": 30, "notes_max_chars": 100, "list_max": 50}


def limits(**kw):
    d = dict(BASE)
    d.update(kw)
    return d


def request(d, method, path, who="wang", source="127.0.0.1", body=None,
            headers=None):
    """One request over TCP from the given source address."""
    h = dict(headers or {})
    if who is not None:
        h["Authorization"] = "Bearer " + TOKENS.get(who, who)
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        h["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30,
                                      source_address=(source, 0))
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return Response(r.status, {k.lower(): v for k, v in
                                   r.getheaders()}, r.read())
    finally:
        conn.close()


def connect(d, source="127.0.0.1"):
    s = socket.create_connection(("127.0.0.1", d.port), timeout=30,
                                 source_address=(source, 0))
    return s


def read_all(s, timeout):
    """What the server sends until it closes (or timeout): bytes, closed."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


def closed_by_server(s, timeout):
    """Wait up to timeout for the server to close s without answering."""
    data, closed = read_all(s, timeout)
    return closed and data == b""


class TestRequestLimits(DaemonTest):
    limits = limits(max_header_count=20)

    def served(self):
        r = request(self.d, "GET", "/v1/whoami", who="li")
        self.assertEqual(r.status, 200, r)

    def test_body_over_limit_is_413_and_stores_nothing(self):
        r = self.d.post_call(good(notes="x" * 5000))
        self.assertEqual(r.status, 413, r)
        self.served()
        self.assertEqual(self.d.post_call(good()).status, 201)
        self.assertEqual(self.d.count_rows(), 1)

    def test_header_block_over_limit_refused(self):
        r = self.d.request("GET", "/v1/whoami",
                           headers={"X-Big": "a" * 3000})
        self.assertIn(r.status, (400, 431), r)
        self.served()

    def test_header_count_over_limit_is_431_naming_it(self):
        h = {"X-H%d" % i: "v" for i in range(25)}
        h["Idempotency-Key"] = "hc-1"
        r = self.d.request("POST", "/v1/calls", good(), headers=h)
        self.assertError(r, 431, "too_many_headers", "max_header_count")
        self.assertIn("max_header_count", r.json["message"])
        self.assertEqual(self.d.count_rows(), 0)
        # Just under the limit (with the client's own few) is served.
        h = {"X-H%d" % i: "v" for i in range(12)}
        r = self.d.request("GET", "/v1/whoami", headers=h)
        self.assertEqual(r.status, 200, r)
        self.served()


class TestConnectionLimits(DaemonTest):
    limits = limits(max_connections=4, max_connections_per_peer=2,
                    idle_timeout_s=60, request_timeout_s=60)
    status = True

    def setUp(self):
        super().setUp()
        self.held = []

    def tearDown(self):
        for s in self.held:
            s.close()
        super().tearDown()

    def hold(self, source, n):
        for _ in range(n):
            self.held.append(connect(self.d, source))
        # The daemon counts a connection when its accept ends: a request
        # on a held one proves the daemon has seen it (and the ones before).
        s = self.held[-1]
        s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + TOKENS["li"].encode() +
                  b"\r\n\r\n")
        s.settimeout(30)
        self.assertIn(b" 200 ", s.recv(4096))

    def refused(self, source, field):
        s = connect(self.d, source)
        try:
            data, closed = read_all(s, 10)
        finally:
            s.close()
        self.assertTrue(closed)
        self.assertIn(b" 503 ", data.split(b"\r\n")[0])
        self.assertIn(b"Retry-After: 1", data)
        body = json.loads(data.split(b"\r\n\r\n", 1)[1])
        self.assertEqual(body["error"], "too_many_connections")
        self.assertEqual(body["field"], field)

    def wait_served(self, source):
        deadline = time.time() + 10
        while True:
            try:
                r = request(self.d, "GET", "/v1/whoami", source=source)
                if r.status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            if time.time() > deadline:
                self.fail(f"{source} not served after the others closed")
            time.sleep(0.1)

    def test_per_peer_limit_holds_and_other_peer_served(self):
        self.hold("127.0.0.1", 2)
        self.refused("127.0.0.1", "max_connections_per_peer")
        r = request(self.d, "GET", "/v1/whoami", source="127.0.0.2")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        unix=True).status, 200)
        self.assertEqual(self.d.count_rows(), 0)
        # Closed connections are counted down: the peer is served again.
        for s in self.held:
            s.close()
        self.held = []
        self.wait_served("127.0.0.1")
        self.assertIn("max_connections_per_peer", self.d.stderr())

    def test_total_limit_holds_unix_socket_and_status_served(self):
        self.hold("127.0.0.1", 2)
        self.hold("127.0.0.2", 2)
        self.refused("127.0.0.3", "max_connections")
        # Other listeners have their own counts.
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        unix=True).status, 200)
        self.assertEqual(self.d.status("/healthz").status, 200)
        # The status snapshot follows the main loop shortly.
        deadline = time.time() + 10
        while self.d.status("/status").json["connections_open"] < 4:
            if time.time() > deadline:
                self.fail("connections_open never counted the held ones")
            time.sleep(0.1)
        self.held.pop().close()
        self.wait_served("127.0.0.3")

    def test_exports_count_down_like_any_connection(self):
        # An export holds its own close hook on the connection: the
        # connection is still counted down when it closes, and its timers
        # end with it.
        self.assertEqual(self.d.post_call(good(
            started_at="2020-02-17T12:00:00+08:00")).status, 201)
        for _ in range(5):
            r = request(self.d, "GET", "/v1/export?from=2020-02-16&"
                        "to=2020-02-18&format=json", who="chen")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(len(json.loads(r.raw)), 1)
        self.wait_served("127.0.0.1")
        self.hold("127.0.0.1", 2)
        self.refused("127.0.0.1", "max_connections_per_peer")

    def test_idle_connections_without_a_request_count_too(self):
        # Connections that never send a byte are counted from the accept.
        for _ in range(2):
            self.held.append(connect(self.d, "127.0.0.1"))
        deadline = time.time() + 10
        while True:
            s = connect(self.d, "127.0.0.1")
            data, closed = read_all(s, 2)
            s.close()
            if b" 503 " in data:
                break
            if time.time() > deadline:
                self.fail("a third idle connection was never refused")
        self.assertEqual(request(self.d, "GET", "/v1/whoami",
                                 source="127.0.0.2").status, 200)


class TestTimeouts(DaemonTest):
    limits = limits(timeout_s=20, request_timeout_s=2, idle_timeout_s=1)

    def test_slowloris_cut_off_others_served(self):
        s = connect(self.d)
        s.sendall(b"GET /v1/whoami HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        cut = False
        # A byte every 0.3 s: each resets evhttp's read timeout (20 s),
        # so only the request timeout (2 s) can end it, long before the
        # 60 bytes are out.
        for i in range(60):
            r, _, _ = select.select([s], [], [], 0.3)
            if r:
                data, closed = read_all(s, 1)
                self.assertNotIn(b" 200 ", data)
                cut = closed
                break
            try:
                s.sendall(b"a")
            except OSError:
                cut = True
                break
            if i == 3:
                # Meanwhile everyone else is served.
                r2 = request(self.d, "GET", "/v1/whoami", who="li")
                self.assertEqual(r2.status, 200, r2)
        s.close()
        self.assertTrue(cut, "the slow request was never cut off")
        self.assertIn("request_timeout_s", self.d.stderr())
        self.assertEqual(self.d.request("GET", "/v1/whoami").status, 200)

    def test_slow_body_cut_off_stores_nothing(self):
        body = json.dumps(good()).encode()
        s = connect(self.d)
        s.sendall(b"POST /v1/calls HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer dev-operator-wang\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        cut = False
        for i in range(len(body)):
            r, _, _ = select.select([s], [], [], 0.3)
            if r:
                data, cut = read_all(s, 1)
                self.assertNotIn(b" 201 ", data)
                break
            try:
                s.sendall(body[i:i + 1])
            except OSError:
                cut = True
                break
        s.close()
        self.assertTrue(cut, "the slow body was never cut off")
        self.assertEqual(self.d.count_rows(), 0)
        self.assertEqual(self.d.post_call(good()).status, 201)

    def test_idle_keepalive_closed_others_served(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port,
                                          timeout=30)
        conn.request("GET", "/v1/whoami", headers={
            "Authorization": "Bearer " + TOKENS["wang"]})
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        r.read()
        # Kept alive, then idle: closed long before timeout_s (20 s).
        self.assertTrue(closed_by_server(conn.sock, 10))
        conn.close()
        # A connection that never sends a request: the same.
        s = connect(self.d)
        r2 = request(self.d, "GET", "/v1/whoami", who="li")
        self.assertEqual(r2.status, 200, r2)
        self.assertTrue(closed_by_server(s, 10))
        s.close()

    def test_keepalive_in_use_is_not_idle(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port,
                                          timeout=30)
        sock = None
        for _ in range(6):
            conn.request("GET", "/v1/whoami", headers={
                "Authorization": "Bearer " + TOKENS["wang"]})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
            if sock is None:
                sock = conn.sock
            # The same connection each time: never closed between.
            self.assertIs(conn.sock, sock)
            time.sleep(0.4)
        conn.close()


class TestRateLimit(DaemonTest):
    limits = limits(rate_per_s=1, rate_burst=3)

    def test_rate_per_identity(self):
        for _ in range(3):
            self.assertEqual(self.d.request("GET", "/v1/whoami").status,
                             200)
        r = self.d.post_call(good(), key="rl-1")
        self.assertError(r, 429, "too_many_requests", "rate_per_s")
        wait = int(r.headers["retry-after"])
        self.assertGreaterEqual(wait, 1)
        self.assertEqual(self.d.count_rows(), 0)
        # Another identity is not limited.
        r2 = self.d.request("GET", "/v1/whoami", who="li")
        self.assertEqual(r2.status, 200, r2)
        self.assertEqual(self.d.post_call(good(), who="li").status, 201)
        # After the wait, the identity is served again.
        time.sleep(wait)
        r = self.d.post_call(good(), key="rl-1")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.d.count_rows(), 2)

    def test_every_route_is_covered(self):
        for path in ("/v1/whoami", "/v1/schema", "/v1/queues"):
            self.assertEqual(self.d.request("GET", path, who="zhao").status,
                             200)
        for method, path in (("GET", "/v1/calls"), ("GET", "/v1/queues"),
                             ("POST", "/v1/queues/mhc/claim")):
            r = self.d.request(method, path, who="zhao", body={})
            self.assertError(r, 429, "too_many_requests")
            self.assertIn("retry-after", r.headers)


class TestRateLimitClient(DaemonTest):
    limits = limits(rate_per_s=1, rate_burst=1)

    def test_client_429_retried_or_kept_never_refused(self):
        self.assertEqual(self.d.request("GET", "/v1/whoami").status, 200)
        self.assertEqual(self.d.request("GET", "/v1/whoami").status, 429)
        p = self.d.client("log", "--line", "400", "--caller-type", "medic",
                          "--topic", "anxiety", "--risk", "low")
        self.assertEqual(p.returncode, 0, p.err)
        if "saved locally" in p.out:
            # Kept in the spool as "later", not set aside as refused.
            time.sleep(2)
            p = self.d.client("sync")
            self.assertEqual(p.returncode, 0, p.err)
            self.assertNotIn("kept aside", p.err)
        self.assertEqual(self.d.count_rows(), 1)


class TestReloadLimits(DaemonTest):
    limits = limits(max_connections_per_peer=2, idle_timeout_s=60)

    def test_reload_applies_to_kept_listeners(self):
        held = [connect(self.d) for _ in range(2)]
        try:
            deadline = time.time() + 10
            while True:
                s = connect(self.d)
                data, _ = read_all(s, 2)
                s.close()
                if b" 503 " in data:
                    break
                if time.time() > deadline:
                    self.fail("a third connection was never refused")
            with open(self.d.conf, encoding="utf-8") as f:
                text = f.read()
            with open(self.d.conf, "w", encoding="utf-8") as f:
                f.write(text.replace("max_connections_per_peer = 2;",
                                     "max_connections_per_peer = 3;"))
            self.d.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 10
            while "reloaded" not in self.d.stderr():
                if time.time() > deadline:
                    self.fail("no reload: " + self.d.stderr())
                time.sleep(0.1)
            r = request(self.d, "GET", "/v1/whoami")
            self.assertEqual(r.status, 200, r)
        finally:
            for s in held:
                s.close()


class TestAuthFailures(DaemonTest):
    limits = limits(auth_failures=3, auth_window_s=60, auth_block_s=2)
    BAD = ["not-a-token-one", "dev-operator-wan", "DEV-OPERATOR-WANG"]

    def test_failures_block_the_peer_only(self):
        answers = []
        for tok in self.BAD:
            r = request(self.d, "POST", "/v1/calls", who=tok,
                        source="127.0.0.2", body=good(),
                        headers={"Idempotency-Key": "af-" + tok})
            self.assertEqual(r.status, 401, r)
            self.assertEqual(r.json["error"], "unauthorized")
            answers.append(r.raw)
        self.assertEqual(len(set(answers)), 1, answers)
        # Blocked now, even with a good token.
        r = request(self.d, "GET", "/v1/whoami", source="127.0.0.2")
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.json["error"], "too_many_requests")
        self.assertEqual(r.json["field"], "auth_failures")
        wait = int(r.headers["retry-after"])
        self.assertGreaterEqual(wait, 1)
        # Another peer is not.
        r = request(self.d, "GET", "/v1/whoami", source="127.0.0.1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.d.count_rows(), 0)
        log = self.d.stderr()
        self.assertIn("authentication failed from 127.0.0.2", log)
        self.assertIn("3 failed authentications from 127.0.0.2", log)
        self.assertEqual(log.count("authentication failed from"), 1, log)
        for tok in self.BAD + list(TOKENS.values()):
            self.assertNotIn(tok, log)
        for a in answers:
            self.assertNotIn(b"127.0.0.2", a)
        time.sleep(wait)
        r = request(self.d, "GET", "/v1/whoami", source="127.0.0.2")
        self.assertEqual(r.status, 200, r)

    def test_good_tokens_never_count(self):
        for _ in range(10):
            r = request(self.d, "GET", "/v1/whoami", source="127.0.0.2")
            self.assertEqual(r.status, 200, r)
        r = request(self.d, "GET", "/v1/whoami", who="nobody",
                    source="127.0.0.2")
        self.assertEqual(r.status, 401, r)
        r = request(self.d, "GET", "/v1/whoami", source="127.0.0.2")
        self.assertEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main()
