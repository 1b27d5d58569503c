"""Bad input gets a clear error, stores nothing, and the daemon goes on
serving: the table of hostile requests, slow and half-open connections,
and a database locked by another process."""
import socket
import sqlite3
import time
import unittest

from harness import DaemonTest, good

# (name, request body bytes, status, error, field)
BODIES = [
    ("malformed JSON", b'{"line": "400",', 400, "invalid_json", None),
    ("not an object", b'["line"]', 400, "invalid_field", None),
    ("empty body", b"", 400, "invalid_json", None),
    ("invalid UTF-8", b'{"line": "\xff\xfe", "risk": "low"}', 400,
     "invalid_json", None),
    ("lone surrogate", b'{"line": "400", "notes": "\\udc00"}', 400,
     "invalid_json", None),
    ("NUL in string", b'{"line": "40\\u00000"}', 400, "invalid_json", None),
    ("duplicate key", b'{"line": "400", "line": "9120"}', 400,
     "invalid_json", None),
]

# (name, call, status, error, field)
CALLS = [
    ("missing line", {k: v for k, v in good().items() if k != "line"},
     400, "missing_field", "line"),
    ("missing caller_type", {k: v for k, v in good().items()
                             if k != "caller_type"},
     400, "missing_field", "caller_type"),
    ("missing topics", {k: v for k, v in good().items() if k != "topics"},
     400, "missing_field", "topics"),
    ("missing risk", {k: v for k, v in good().items() if k != "risk"},
     400, "missing_field", "risk"),
    ("unknown line", good(line="110"), 400, "invalid_field", "line"),
    ("unknown topic", good(topics=["anxiety", "boredom"]), 400,
     "invalid_field", "topics"),
    ("repeated topic", good(topics=["sleep", "sleep"]), 400,
     "invalid_field", "topics"),
    ("empty topics", good(topics=[]), 400, "invalid_field", "topics"),
    ("unknown risk", good(risk="extreme"), 400, "invalid_field", "risk"),
    ("line as number", good(line=400), 400, "invalid_field", "line"),
    ("topics as string", good(topics="anxiety"), 400, "invalid_field",
     "topics"),
    ("duration as string", good(duration_s="10m"), 400, "invalid_field",
     "duration_s"),
    ("negative duration", good(duration_s=-1), 400, "invalid_field",
     "duration_s"),
    ("consent as string", good(consent="yes"), 400, "invalid_field",
     "consent"),
    ("unknown field", good(colour="red"), 400, "invalid_field", "colour"),
    ("server field id", good(id=7), 400, "invalid_field", "id"),
    ("server field operator", good(operator="li"), 400, "invalid_field",
     "operator"),
    ("name without consent", good(caller_name="张三"), 400, "invalid_field",
     "caller_name"),
    ("bad time", good(started_at="yesterday"), 400, "invalid_field",
     "started_at"),
    ("time without zone", good(started_at="2020-02-17T01:30:00"), 400,
     "invalid_field", "started_at"),
    ("future time", good(started_at="2099-01-01T00:00:00Z"), 400,
     "invalid_field", "started_at"),
    ("callback without time", good(outcome="callback"), 400,
     "missing_field", "callback_at"),
    ("assessment at low risk", good(risk_assessment={
        "desire": "no", "capability": "no", "intent": "no",
        "buffers": "yes"}), 400, "invalid_field", "risk_assessment"),
    ("notes over the limit", good(notes="话" * 101), 400, "invalid_field",
     "notes"),
]


class TestHostileInput(DaemonTest):
    limits = {"max_body_bytes": 4096, "max_header_bytes": 2048,
              "timeout_s": 2, "notes_max_chars": 100, "list_max": 50}

    def still_serving(self):
        r = self.d.post_call(good(notes="ok"))
        self.assertEqual(r.status, 201, r)
        return r

    def test_bad_bodies(self):
        for name, raw, status, kind, field in BODIES:
            with self.subTest(name):
                r = self.d.request("POST", "/v1/calls", raw=raw)
                self.assertError(r, status, kind, field)
        self.assertEqual(self.d.count_rows(), 0)
        self.still_serving()

    def test_bad_calls(self):
        for name, call, status, kind, field in CALLS:
            with self.subTest(name):
                r = self.d.post_call(call)
                self.assertError(r, status, kind, field)
                self.assertIn(field, r.json["message"])
        self.assertEqual(self.d.count_rows(), 0)
        self.still_serving()

    def test_notes_limit_counts_characters(self):
        r = self.d.post_call(good(notes="话" * 100))
        self.assertEqual(r.status, 201, r)

    def test_bad_patches(self):
        cid = self.still_serving().json["id"]
        for body, kind, field in (({"risk": "extreme"}, "invalid_field",
                                   "risk"),
                                  ({"id": 9}, "invalid_field", "id"),
                                  ({"line": None}, "missing_field", "line"),
                                  ({"notes": "话" * 101}, "invalid_field",
                                   "notes"),
                                  ({"started_at": None}, "invalid_field",
                                   "started_at")):
            r = self.d.request("PATCH", f"/v1/calls/{cid}", body)
            self.assertError(r, 400, kind, field)
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"},
                           headers={"If-Match": "banana"})
        self.assertError(r, 400, "invalid_parameter", "If-Match")
        rec = self.d.request("GET", f"/v1/calls/{cid}").json
        self.assertEqual((rec["version"], rec["history"]), (1, []))

    def test_oversized_body_is_413(self):
        r = self.d.post_call(good(notes="x" * 5000))
        self.assertEqual(r.status, 413)
        self.assertEqual(self.d.count_rows(), 0)
        self.still_serving()

    def test_wrong_content_type_is_415(self):
        r = self.d.request("POST", "/v1/calls", good(),
                           content_type="application/x-www-form-urlencoded")
        self.assertError(r, 415, "unsupported_media_type")
        self.assertEqual(self.d.count_rows(), 0)

    def test_unknown_paths_methods_ids(self):
        self.assertError(self.d.request("GET", "/v1/nothing"), 404,
                         "not_found")
        self.assertError(self.d.request("GET", "/"), 404, "not_found")
        self.assertError(self.d.request("GET", "/v1/calls/0"), 404)
        self.assertError(self.d.request("GET", "/v1/calls/1x"), 404)
        self.assertError(self.d.request("GET", "/v1/calls/99999"), 404,
                         "not_found", "id")
        self.assertError(self.d.request("GET",
                                        "/v1/calls/99999999999999999999"),
                         404)
        r = self.d.request("DELETE", "/v1/calls")
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers["allow"], "GET, HEAD, POST")
        r = self.d.request("PUT", "/v1/calls/1", good())
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers["allow"], "GET, HEAD, PATCH")
        r = self.d.request("POST", "/v1/schema", good())
        self.assertError(r, 405)
        self.assertError(self.d.request("PATCH", "/v1/calls/4242",
                                        {"risk": "low"}), 404, "not_found")
        self.still_serving()

    def test_bad_idempotency_key(self):
        for key in ("x" * 129, "has space", "tab\tkey"):
            r = self.d.request("POST", "/v1/calls", good(),
                               headers={"Idempotency-Key": key})
            self.assertError(r, 400, "invalid_parameter", "Idempotency-Key")
        self.assertEqual(self.d.count_rows(), 0)

    def test_huge_headers_refused(self):
        r = self.d.request("GET", "/v1/schema",
                           headers={"X-Big": "a" * 4000})
        self.assertIn(r.status, (400, 413, 431))
        self.assertEqual(self.d.request("GET", "/v1/schema").status, 200)

    def test_half_open_and_slow_clients_block_nobody(self):
        held = []
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", self.d.port))
            s.sendall(b"POST /v1/calls HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 100\r\n\r\n{\"line\"")
            held.append(s)
        t = time.time()
        self.still_serving()
        self.assertLess(time.time() - t, 1.5)
        # The idle half-requests are closed by the timeout (2 s here).
        time.sleep(3.5)
        for s in held:
            s.settimeout(2)
            try:
                data = s.recv(100)
            except OSError:
                data = b""
            self.assertNotIn(b"201", data)
            s.close()
        self.assertEqual(self.d.count_rows(), 1)

    def test_garbage_request_line(self):
        s = socket.create_connection(("127.0.0.1", self.d.port))
        s.sendall(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
        s.settimeout(5)
        try:
            s.recv(100)
        except OSError:
            pass
        s.close()
        self.still_serving()


class TestLockedDatabase(DaemonTest):
    extra = ""

    def test_locked_store_503_then_recovers(self):
        db = sqlite3.connect(self.d.db, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            t = time.time()
            # A call that routing gives a queue item: neither half of it
            # may be stored.
            r = self.d.post_call(good(notes="while locked", risk="high"),
                                 key="lk-1")
            self.assertError(r, 503, "store_unavailable")
            self.assertIn("locked", r.json["message"])
            self.assertGreaterEqual(time.time() - t, 1.5)
            # Reads and other requests are answered meanwhile.
            self.assertEqual(self.d.request("GET", "/v1/whoami").status,
                             200)
            self.assertEqual(self.d.request("GET", "/v1/calls").status, 200)
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(self.d.count_rows(), 0)
        self.assertEqual(self.d.count_rows("queue_items"), 0)
        r = self.d.post_call(good(notes="while locked", risk="high"),
                             key="lk-1")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.d.count_rows("queue_items"), 1)

    def test_lock_released_in_time_write_succeeds(self):
        import threading
        db = sqlite3.connect(self.d.db, isolation_level=None,
                             check_same_thread=False)
        db.execute("BEGIN IMMEDIATE")
        threading.Timer(0.5, lambda: db.execute("ROLLBACK")).start()
        r = self.d.post_call(good())
        self.assertEqual(r.status, 201, r)
        db.close()


if __name__ == "__main__":
    unittest.main()
