"""More of docs/api.md, point by point: redaction in lists and history,
identity on the Unix socket, more hostile bodies and patches, list limits
and paging with filters, the schema, and the client's exit statuses."""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from harness import HOTLINE, Daemon, DaemonTest, good

PERSONAL = ["notes", "caller_name", "caller_contact", "safety_plan"]
ASSESS = {"desire": "no", "capability": "no", "intent": "no",
          "buffers": "yes"}


class TestRedaction(DaemonTest):
    def setUp(self):
        super().setUp()
        r = self.d.post_call(good(notes="夜班后失眠 secret-1", consent=True,
                                  caller_name="张三",
                                  caller_contact="13800000000"))
        self.assertEqual(r.status, 201, r)
        self.cid = r.json["id"]
        r = self.d.request("PATCH", f"/v1/calls/{self.cid}",
                           {"notes": "secret-2", "caller_name": "李四",
                            "risk": "none"})
        self.assertEqual(r.status, 200, r)

    def assertNoPersonal(self, raw):
        for s in ("secret-1", "secret-2", "张三", "李四", "13800000000"):
            self.assertNotIn(s.encode(), raw)

    def test_counselor_list_and_history_are_redacted(self):
        r = self.d.request("GET", "/v1/calls", who="zhao")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["calls"]), 1)
        for rec in r.json["calls"]:
            for f in PERSONAL:
                self.assertNotIn(f, rec)
            self.assertEqual(rec["redacted"], PERSONAL)
        self.assertNoPersonal(r.raw)
        r = self.d.request("GET", f"/v1/calls/{self.cid}", who="zhao")
        self.assertEqual(r.status, 200, r)
        self.assertNoPersonal(r.raw)
        (h,) = r.json["history"]
        self.assertEqual(h["version"], 1)
        self.assertEqual(h["changes"]["risk"], {"from": "low", "to": "none"})
        self.assertEqual(set(h["changes"]), {"risk", "notes", "caller_name"})

    def test_supervisor_and_owner_see_personal_fields_and_history(self):
        for who in ("chen", "wang"):
            r = self.d.request("GET", f"/v1/calls/{self.cid}", who=who)
            self.assertEqual(r.status, 200, r)
            self.assertNotIn("redacted", r.json)
            self.assertEqual((r.json["notes"], r.json["caller_name"],
                              r.json["caller_contact"]),
                             ("secret-2", "李四", "13800000000"))
            self.assertEqual(r.json["history"][0]["changes"], {
                "notes": {"from": "夜班后失眠 secret-1", "to": "secret-2"},
                "caller_name": {"from": "张三", "to": "李四"},
                "risk": {"from": "low", "to": "none"}})
            lst = self.d.request("GET", "/v1/calls", who=who).json["calls"]
            self.assertEqual(lst[0]["notes"], "secret-2")

    def test_counselor_client_show_hides(self):
        p = self.d.client("show", str(self.cid), who="zhao")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertNoPersonal(p.stdout)
        self.assertRegex(p.out, r"(?m)^\s*notes\s+\(hidden\)\s*$")
        self.assertRegex(p.out, r"(?m)^\s*name\s+\(hidden\)\s*$")
        self.assertRegex(p.out, r"(?m)^\s*contact\s+\(hidden\)\s*$")
        p = self.d.client("--json", "list", who="zhao")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertNoPersonal(p.stdout)


def as_uid(uid, sock, path="/v1/whoami"):
    """GET path over the Unix socket from a child process running as
    uid; returns (status, JSON body)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(rfd)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(20)
            s.connect(sock)
            s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\n"
                      b"Host: localhost\r\nConnection: close\r\n\r\n")
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                os.write(wfd, chunk)
            code = 0
        finally:
            os._exit(code)
    os.close(wfd)
    data = b""
    with os.fdopen(rfd, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise AssertionError(f"child as uid {uid} failed: {data!r}")
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@unittest.skipUnless(os.geteuid() == 0, "needs root to change uid")
class TestUnixIdentity(unittest.TestCase):
    MAPPED, UNMAPPED = 64001, 64002

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        os.chmod(self.tmp, 0o711)
        self.d = Daemon(self.tmp)
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        marker = "operators = ("
        self.assertIn(marker, text)
        text = text.replace(marker, marker + '\n  { name = "song"; role = '
                            f'"operator"; uid = {self.MAPPED}; }},', 1)
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        self.d.start()

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def test_uids(self):
        self.assertEqual(as_uid(self.MAPPED, self.d.sock),
                         (200, {"name": "song", "role": "operator",
                                "via": "unix"}))
        status, body = as_uid(self.UNMAPPED, self.d.sock)
        self.assertEqual((status, body["error"]), (401, "unauthorized"))
        status, body = as_uid(self.UNMAPPED, self.d.sock, "/v1/calls")
        self.assertEqual((status, body["error"]), (401, "unauthorized"))
        r = self.d.request("GET", "/v1/whoami", unix=True)
        self.assertEqual((r.json["role"], r.json["via"]), ("admin", "unix"))
        # root on the socket is admin: sees every operator's calls.
        self.assertEqual(self.d.post_call(good(), who="wang").status, 201)
        self.assertEqual(self.d.post_call(good(), unix=True).status, 201)
        r = self.d.request("GET", "/v1/calls", unix=True)
        self.assertEqual(sorted(c["operator"] for c in r.json["calls"]),
                         ["root", "wang"])


def without(field):
    return {k: v for k, v in good().items() if k != field}


# (name, body, error, field); every one is a 400.
MORE_CALLS = [
    ("bad assessment answer", good(risk="high", risk_assessment=dict(
        ASSESS, intent="maybe")), "invalid_field", "risk_assessment"),
    ("assessment not an object", good(risk="high", risk_assessment="no"),
     "invalid_field", "risk_assessment"),
    ("duration over a day", good(duration_s=86401), "invalid_field",
     "duration_s"),
    ("fractional duration", good(duration_s=1.5), "invalid_field",
     "duration_s"),
    ("callback before start", good(
        started_at="2020-02-17T10:00:00+08:00", outcome="callback",
        callback_at="2020-02-17T09:59:00+08:00"), "invalid_field",
     "callback_at"),
    ("name over 100", good(consent=True, caller_name="名" * 101),
     "invalid_field", "caller_name"),
    ("contact without consent", good(caller_contact="13800000000"),
     "invalid_field", "caller_contact"),
    ("name with consent false", good(consent=False, caller_name="王"),
     "invalid_field", "caller_name"),
    ("topic not a string", good(topics=[1]), "invalid_field", "topics"),
    ("unknown gender", good(gender="q"), "invalid_field", "gender"),
    ("unknown age band", good(age_band="17"), "invalid_field", "age_band"),
    ("unknown call type", good(call_type="spam"), "invalid_field",
     "call_type"),
    ("unknown outcome", good(outcome="done"), "invalid_field", "outcome"),
    ("unknown caller type", good(caller_type="alien"), "invalid_field",
     "caller_type"),
    ("emergency as string", good(emergency_contacted="no"),
     "invalid_field", "emergency_contacted"),
    ("notes as number", good(notes=5), "invalid_field", "notes"),
    ("risk null", good(risk=None), "missing_field", "risk"),
    ("server field version", good(version=1), "invalid_field", "version"),
    ("server field queue", good(queue=None), "invalid_field", "queue"),
    ("server field repeat_calls", good(repeat_calls=0), "invalid_field",
     "repeat_calls"),
    ("server field created_at", good(created_at="2020-02-17T01:30:00Z"),
     "invalid_field", "created_at"),
]


class TestMoreHostile(DaemonTest):
    limits = {"max_body_bytes": 4096, "max_header_bytes": 2048,
              "timeout_s": 5, "notes_max_chars": 100, "list_max": 50}

    def still_serving(self, expect_rows):
        self.assertEqual(self.d.count_rows(), expect_rows)
        r = self.d.post_call(good(notes="still here"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.d.count_rows(), expect_rows + 1)

    def test_more_bad_calls(self):
        for name, call, kind, field in MORE_CALLS:
            with self.subTest(name):
                r = self.d.post_call(call)
                self.assertError(r, 400, kind, field)
        self.still_serving(0)

    def test_unknown_assessment_item(self):
        r = self.d.post_call(good(risk="high", risk_assessment=dict(
            ASSESS, mood="low")))
        self.assertError(r, 400, "invalid_field", "risk_assessment")
        self.assertIn("mood", r.json["message"])
        self.still_serving(0)

    def test_missing_assessment_item(self):
        item = dict(ASSESS)
        del item["buffers"]
        r = self.d.post_call(good(risk="high", risk_assessment=item))
        self.assertEqual(r.status, 400, r)
        self.assertIn(r.json["error"], ("missing_field", "invalid_field"))
        self.assertTrue(r.json["field"].startswith("risk_assessment"), r)
        self.assertIn("buffers", r.json["message"])
        self.still_serving(0)

    def test_boundaries_accepted(self):
        for call in (good(duration_s=86400), good(duration_s=0),
                     good(notes="字" * 100),
                     good(consent=True, caller_name="名" * 100,
                          caller_contact="c" * 100),
                     good(risk="moderate", risk_assessment=ASSESS),
                     good(started_at="2020-02-17T10:00:00+08:00",
                          outcome="callback",
                          callback_at="2020-02-17T10:00:00+08:00")):
            r = self.d.post_call(call)
            self.assertEqual(r.status, 201, (call, r))
        self.assertEqual(self.d.count_rows(), 6)

    def test_invalid_json_names_line_and_column(self):
        r = self.d.request("POST", "/v1/calls",
                           raw=b'{"line": "400",\n  "risk": }')
        self.assertError(r, 400, "invalid_json")
        self.assertRegex(r.json["message"], r"line 2\b")
        self.assertRegex(r.json["message"], r"column \d+")
        for raw in (b"null", b"42", b'"call"', b"[]"):
            r = self.d.request("POST", "/v1/calls", raw=raw)
            self.assertEqual(r.status, 400, (raw, r))
            self.assertIn(r.json["error"], ("invalid_json", "invalid_field"))
        self.still_serving(0)

    def test_bad_query_parameters(self):
        cursor = base64.b64encode(b"1581870000,1").decode()
        for q, field in (("line=%FF", "line"),
                         ("line=400'%20OR%201=1", "line"),
                         ("risk=", "risk"),
                         ("from=2020-02-30", "from"),
                         ("to=2020-13-01", "to"),
                         ("from=2020-02-17T01:30:00", "from"),
                         ("limit=1e3", "limit"),
                         ("limit=51", "limit"),
                         (f"cursor={cursor}", "cursor"),
                         ("cursor=YWJj", "cursor")):
            with self.subTest(q):
                r = self.d.request("GET", "/v1/calls?" + q, who="chen")
                self.assertError(r, 400, "invalid_parameter", field)
        self.still_serving(0)

    def test_idempotency_key_must_be_printable_ascii(self):
        for key in ("", "ключ".encode().decode("latin-1")):
            r = self.d.request("POST", "/v1/calls", good(),
                               headers={"Idempotency-Key": key})
            self.assertError(r, 400, "invalid_parameter", "Idempotency-Key")
        r = self.d.post_call(good(), key="k" * 128)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.d.count_rows(), 1)

    def test_notes_limit_counts_characters_not_bytes(self):
        r = self.d.post_call(good(notes="\U0001F600" * 100))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["notes"], "\U0001F600" * 100)
        r = self.d.post_call(good(notes="\U0001F600" * 101))
        self.assertError(r, 400, "invalid_field", "notes")
        self.assertEqual(self.d.count_rows(), 1)

    def test_413_on_post_and_patch(self):
        big = good(notes="x" * 4200)
        r = self.d.post_call(big)
        self.assertEqual(r.status, 413, r)
        cid = self.d.post_call(good()).json["id"]
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"notes": "y" * 4200})
        self.assertEqual(r.status, 413, r)
        rec = self.d.request("GET", f"/v1/calls/{cid}").json
        self.assertEqual((rec["version"], rec["notes"]), (1, None))
        self.still_serving(1)

    def test_patches_are_validated_as_merged_records(self):
        cid = self.d.post_call(good(
            risk="high", risk_assessment=ASSESS, consent=True,
            caller_name="王", notes="n")).json["id"]
        for body, kind, field in (
                ({"consent": False}, "invalid_field", "caller_name"),
                ({"outcome": "callback"}, "missing_field", "callback_at"),
                ({"risk": "low"}, "invalid_field", "risk_assessment"),
                ({"topics": []}, "invalid_field", "topics"),
                ({"version": 7}, "invalid_field", "version"),
                ({"operator": "li"}, "invalid_field", "operator"),
                ({"colour": "red"}, "invalid_field", "colour"),
                ({"caller_type": None}, "missing_field", "caller_type"),
                ({"notes": "长" * 101}, "invalid_field", "notes")):
            with self.subTest(body=body):
                r = self.d.request("PATCH", f"/v1/calls/{cid}", body)
                self.assertError(r, 400, kind, field)
        r = self.d.request("PATCH", f"/v1/calls/{cid}", raw=b'{"risk": ')
        self.assertError(r, 400, "invalid_json")
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "none"},
                           content_type="text/plain")
        self.assertError(r, 415, "unsupported_media_type")
        rec = self.d.request("GET", f"/v1/calls/{cid}").json
        self.assertEqual((rec["version"], rec["history"], rec["risk"],
                          rec["caller_name"]), (1, [], "high", "王"))
        # And a patch that satisfies the whole record goes through.
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"risk": "low", "risk_assessment": None},
                           headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["version"], r.json["risk"],
                          r.json["risk_assessment"]), (2, "low", None))

    def test_401_stores_nothing_and_gives_no_hint(self):
        answers = []
        for who in (None, "not-a-token", "dev-operator-wan",
                    "dev-operator-wangg", "DEV-OPERATOR-WANG"):
            r = self.d.post_call(good(), who=who)
            self.assertError(r, 401, "unauthorized")
            self.assertEqual(r.headers.get("www-authenticate"), "Bearer")
            answers.append(r.raw)
        self.assertEqual(len(set(answers)), 1, answers)
        r = self.d.request("PATCH", "/v1/calls/1", {"risk": "high"},
                           who="nobody")
        self.assertError(r, 401, "unauthorized")
        self.still_serving(0)

    def test_405_allow_headers(self):
        for method, path, allow in (("POST", "/v1/schema", "GET, HEAD"),
                                    ("DELETE", "/v1/whoami", "GET, HEAD"),
                                    ("DELETE", "/v1/calls/1",
                                     "GET, HEAD, PATCH"),
                                    ("PATCH", "/v1/calls",
                                     "GET, HEAD, POST")):
            r = self.d.request(method, path, good())
            self.assertError(r, 405, "method_not_allowed")
            self.assertEqual(r.headers.get("allow"), allow)
        self.still_serving(0)

    def test_if_match_current_version_succeeds(self):
        cid = self.d.post_call(good()).json["id"]
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"},
                           headers={"If-Match": '"1"'})
        self.assertEqual((r.status, r.json["version"]), (200, 2))
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "none"},
                           headers={"If-Match": '"1"'})
        self.assertError(r, 412, "version_mismatch")
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "none"},
                           headers={"If-Match": '"2"'})
        self.assertEqual((r.status, r.json["version"]), (200, 3))
        hist = self.d.request("GET", f"/v1/calls/{cid}").json["history"]
        self.assertEqual([h["changes"]["risk"] for h in hist],
                         [{"from": "low", "to": "high"},
                          {"from": "high", "to": "none"}])


class TestAdminAndSlowUnix(DaemonTest):
    limits = {"max_body_bytes": 65536, "max_header_bytes": 8192,
              "timeout_s": 5, "notes_max_chars": 4000, "list_max": 500}

    def test_admin_reads_and_amends_any_call(self):
        cid = self.d.post_call(good(notes="wang's note", consent=True,
                                    caller_name="王")).json["id"]
        r = self.d.request("GET", f"/v1/calls/{cid}", unix=True)
        self.assertEqual((r.status, r.json["notes"], r.json["caller_name"]),
                         (200, "wang's note", "王"))
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"},
                           unix=True, headers={"If-Match": '"1"'})
        self.assertEqual((r.status, r.json["version"], r.json["operator"]),
                         (200, 2, "wang"))
        r = self.d.request("GET", f"/v1/calls/{cid}", who="wang")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["history"][0]["amended_by"], "root")
        self.assertEqual(r.json["history"][0]["changes"],
                         {"risk": {"from": "low", "to": "high"}})

    def test_half_request_on_unix_socket_blocks_nobody(self):
        held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        held.connect(self.d.sock)
        held.sendall(b"POST /v1/calls HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\n"
                     b"Content-Length: 200\r\n\r\n{\"line\": \"4")
        try:
            t = time.time()
            for unix in (True, False, True, False):
                r = self.d.post_call(good(), unix=unix)
                self.assertEqual(r.status, 201, r)
            self.assertEqual(self.d.request("GET", "/v1/calls",
                                            unix=True).status, 200)
            self.assertLess(time.time() - t, 2.0)
        finally:
            held.close()
        self.assertEqual(self.d.count_rows(), 4)

    def test_json_content_type_with_charset_accepted(self):
        for ct in ("application/json; charset=utf-8",
                   "application/json;charset=UTF-8"):
            r = self.d.request("POST", "/v1/calls", good(), content_type=ct)
            self.assertEqual(r.status, 201, (ct, r))
        for ct in ("text/plain", "application/xml", "multipart/form-data"):
            r = self.d.request("POST", "/v1/calls", good(), content_type=ct)
            self.assertError(r, 415, "unsupported_media_type")
        self.assertEqual(self.d.count_rows(), 2)


class TestListPaging(DaemonTest):
    def post(self, n, **kw):
        ids = []
        for i in range(n):
            r = self.d.post_call(good(**kw))
            self.assertEqual(r.status, 201, r)
            ids.append(r.json["id"])
        return ids

    def pages(self, query, who="chen"):
        out, cursor = [], None
        while True:
            q = query + (f"&cursor={cursor}" if cursor else "")
            r = self.d.request("GET", "/v1/calls?" + q, who=who)
            self.assertEqual(r.status, 200, r)
            out.append(r.json["calls"])
            cursor = r.json["next_cursor"]
            if cursor is None:
                return out
            self.assertIsInstance(cursor, str)
            self.assertLess(len(out), 100, "paging does not end")

    def test_default_limit_is_50(self):
        ids = self.post(55)
        pages = self.pages("line=400")
        self.assertEqual([len(p) for p in pages], [50, 5])
        got = [c["id"] for p in pages for c in p]
        # Same started_at for many: newest first means id descending then.
        self.assertEqual(got, sorted(ids, reverse=True))

    def test_filtered_paging_has_no_repeats_and_keeps_order(self):
        ids = {}
        for day in range(10, 20):
            for line in ("400", "9120", "2325"):
                r = self.d.post_call(good(
                    line=line, started_at=f"2020-02-{day}T08:00:00+08:00"))
                ids[r.json["id"]] = (day, line)
        pages = self.pages("line=9120,2325&limit=3")
        self.assertEqual([len(p) for p in pages], [3] * 6 + [2])
        got = [c for p in pages for c in p]
        self.assertEqual(len({c["id"] for c in got}), 20)
        self.assertEqual({c["line"] for c in got}, {"9120", "2325"})
        keys = [(c["started_at"], c["id"]) for c in got]
        self.assertEqual(keys, sorted(keys, reverse=True))
        pages = self.pages("from=2020-02-12&to=2020-02-13&limit=4")
        self.assertEqual([len(p) for p in pages], [4, 2])

    def test_time_bounds_inclusive_and_exclusive(self):
        a = self.post(1, started_at="2020-02-15T10:00:00+08:00")[0]
        b = self.post(1, started_at="2020-02-15T12:00:00+08:00")[0]
        c = self.post(1, started_at="2020-02-16T00:00:00+08:00")[0]

        def ids(q):
            r = self.d.request("GET", "/v1/calls?" + q, who="chen")
            self.assertEqual(r.status, 200, r)
            return [x["id"] for x in r.json["calls"]]

        # from inclusive, to exclusive (times with offsets, + escaped).
        self.assertEqual(ids("from=2020-02-15T10:00:00%2B08:00"
                             "&to=2020-02-15T12:00:00%2B08:00"), [a])
        self.assertEqual(ids("from=2020-02-15T04:00:00Z"), [c, b])
        # A date "to" includes the whole day, and no more.
        self.assertEqual(ids("to=2020-02-15"), [b, a])
        self.assertEqual(ids("from=2020-02-16&to=2020-02-16"), [c])
        self.assertEqual(ids("from=2020-02-14&to=2020-02-14"), [])

    def test_operator_filter_for_operators_and_others(self):
        w = self.post(2)
        r = self.d.post_call(good(), who="li")
        li = r.json["id"]
        r = self.d.request("GET", "/v1/calls?operator=wang", who="wang")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(c["id"] for c in r.json["calls"]), w)
        r = self.d.request("GET", "/v1/calls?operator=li,wang", who="wang")
        self.assertError(r, 403, "forbidden")
        r = self.d.request("GET", "/v1/calls?operator=li", who="zhao")
        self.assertEqual([c["id"] for c in r.json["calls"]], [li])
        r = self.d.request("GET", "/v1/calls?operator=li,wang", who="chen")
        self.assertEqual(len(r.json["calls"]), 3)
        r = self.d.request("GET", "/v1/calls?risk=low,high&line=400",
                           who="chen")
        self.assertEqual(len(r.json["calls"]), 3)

    def test_limit_bounds(self):
        self.post(3)
        r = self.d.request("GET", "/v1/calls?limit=500", who="chen")
        self.assertEqual((r.status, len(r.json["calls"])), (200, 3))
        r = self.d.request("GET", "/v1/calls?limit=1", who="chen")
        self.assertEqual(len(r.json["calls"]), 1)
        self.assertIsNotNone(r.json["next_cursor"])
        r = self.d.request("GET", "/v1/calls?limit=-1", who="chen")
        self.assertError(r, 400, "invalid_parameter", "limit")


class TestSchema(DaemonTest):
    limits = {"max_body_bytes": 65536, "max_header_bytes": 8192,
              "timeout_s": 30, "notes_max_chars": 123, "list_max": 77}

    def test_schema_is_the_config(self):
        for who in ("wang", "zhao", "chen"):
            r = self.d.request("GET", "/v1/schema", who=who)
            self.assertEqual(r.status, 200, r)
        s = r.json
        self.assertEqual(s["timezone"], "Asia/Shanghai")
        self.assertEqual(s["limits"], {"notes_max_chars": 123,
                                       "list_max": 77})
        self.assertEqual([x["code"] for x in s["lines"]],
                         ["400", "9120", "2325"])
        self.assertEqual(s["lines"][0]["name"], "400-8692-525")
        self.assertEqual([x["code"] for x in s["risk_levels"]],
                         ["none", "low", "moderate", "high", "imminent"])
        self.assertEqual([x["code"] for x in s["call_types"]],
                         ["counseling", "info", "silent", "prank",
                          "wrong_number"])
        self.assertEqual([x["code"] for x in s["genders"]], ["f", "m", "x"])
        self.assertEqual([x["code"] for x in s["age_bands"]],
                         ["<18", "18-29", "30-39", "40-49", "50-59", "60+"])
        self.assertEqual(s["assessment_answers"], ["yes", "no", "unknown"])
        self.assertEqual(len(s["topics"]), 10)
        self.assertEqual({x["code"] for x in s["caller_types"]},
                         {"medic", "medic_family", "aid_team",
                          "aid_team_family", "member", "other"})
        self.assertEqual([x["code"] for x in s["queues"]],
                         ["mhc", "legal", "family"])
        r = self.d.request("GET", "/v1/calls?limit=78", who="chen")
        self.assertError(r, 400, "invalid_parameter", "limit")
        r = self.d.post_call(good(notes="x" * 124))
        self.assertError(r, 400, "invalid_field", "notes")
        self.assertEqual(self.d.request("GET", "/v1/schema",
                                        who=None).status, 401)


class TestClient(DaemonTest):
    LOG = ("log", "-l", "400", "-c", "medic", "-t", "anxiety", "-r", "low")

    def test_usage_errors_are_2_and_send_nothing(self):
        for args in ((), ("show",), ("show", "abc"), ("amend", "1"),
                     ("--bogus", "list"), ("help", "nosuch"),
                     ("list", "--limit", "0"), ("log", "-l", "400"),
                     ("log", "-l", "400", "-c", "medic", "-t", "anxiety",
                      "-r", "low", "--duration", "forever"),
                     ("log", "-l", "400", "-c", "medic", "-t", "anxiety",
                      "-r", "low", "--assessment", "desire")):
            with self.subTest(args=args):
                p = self.d.client(*args, stdin=b"")
                self.assertEqual(p.returncode, 2, (p.out, p.err))
                self.assertNotEqual(p.err, "")
        self.assertEqual(self.d.count_rows(), 0)

    def test_help_and_version_are_0(self):
        for args in (("--help",), ("help", "log"), ("log", "--help"),
                     ("--version",)):
            p = self.d.client(*args)
            self.assertEqual(p.returncode, 0, p.err)
            self.assertNotEqual(p.out, "")
        self.assertTrue(self.d.client("--version").out.startswith(
            "hotline "))

    def test_server_errors_are_1(self):
        mine = self.d.post_call(good(), who="wang").json["id"]
        cases = (
            (("show", str(mine)), "li", "your role may not do this"),
            (("amend", str(mine), "--risk", "high"), "li",
             "your role may not do this"),
            (("amend", str(mine), "--risk", "extreme"), "wang", "risk"),
            (("show", "999"), "wang", "no such call"),
            (("list",), "dev-operator-nobody", "HOTLINE_TOKEN"),
            (self.LOG, "zhao", ""),
            (self.LOG + ("--notes", "n" * 4001), "wang", "notes"),
        )
        for args, who, text in cases:
            with self.subTest(args=args[:3], who=who):
                p = self.d.client(*args, who=who)
                self.assertEqual(p.returncode, 1, (p.out, p.err))
                self.assertIn(text, p.err)
        rec = self.d.request("GET", f"/v1/calls/{mine}").json
        self.assertEqual((rec["risk"], rec["version"]), ("low", 1))
        self.assertEqual(self.d.count_rows(), 1)

    def test_idempotency_key_retry_through_the_client(self):
        p = self.d.client(*self.LOG, "--idempotency-key", "retry-1")
        self.assertEqual(p.returncode, 0, p.err)
        first = re.search(r"logged call (\d+)", p.out).group(1)
        p = self.d.client(*self.LOG, "--idempotency-key", "retry-1")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(re.search(r"logged call (\d+)", p.out).group(1),
                         first)
        p = self.d.client("log", "-l", "400", "-c", "medic", "-t", "anxiety",
                          "-r", "high", "--idempotency-key", "retry-1")
        self.assertEqual(p.returncode, 1, p.out)
        self.assertEqual(self.d.count_rows(), 1)

    def test_log_json_and_amend_clear(self):
        p = self.d.client(*self.LOG, "--json", "--notes", "备注",
                          "--gender", "f", "--duration", "1h5m",
                          "--started", "2020-02-17T01:30:00+08:00")
        self.assertEqual(p.returncode, 0, p.err)
        rec = json.loads(p.out)
        self.assertEqual((rec["notes"], rec["gender"], rec["duration_s"],
                          rec["started_at"], rec["operator"]),
                         ("备注", "f", 3900, "2020-02-17T01:30:00+08:00",
                          "wang"))
        p = self.d.client("amend", str(rec["id"]), "--clear", "notes",
                          "--clear", "gender")
        self.assertEqual(p.returncode, 0, p.err)
        got = self.d.request("GET", f"/v1/calls/{rec['id']}").json
        self.assertEqual((got["notes"], got["gender"], got["version"]),
                         (None, None, 2))
        self.assertEqual(got["history"][0]["changes"],
                         {"notes": {"from": "备注", "to": None},
                          "gender": {"from": "f", "to": None}})

    def test_list_all_follows_every_page(self):
        for _ in range(7):
            self.assertEqual(self.d.post_call(good()).status, 201)
        p = self.d.client("--json", "list", "--all", "--limit", "2")
        self.assertEqual(p.returncode, 0, p.err)
        calls = json.loads(p.out)["calls"]
        self.assertEqual(len(calls), 7)
        self.assertEqual(len({c["id"] for c in calls}), 7)

    def test_server_from_env_and_config_file(self):
        tcp = f"http://127.0.0.1:{self.d.port}"
        p = self.d.client("--json", "whoami", env={"HOTLINE_SERVER": tcp})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(json.loads(p.out),
                         {"name": "wang", "role": "operator", "via": "tcp"})
        conf_dir = os.path.join(self.tmp, "xdg", "hotline")
        os.makedirs(conf_dir)
        conf = os.path.join(conf_dir, "hotline.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(f'server = "{tcp}";\ntoken = "dev-counselor-zhao";\n')
        os.chmod(conf, 0o600)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("HOTLINE_")}
        env.update(HOME=self.tmp, XDG_CONFIG_HOME=os.path.join(self.tmp,
                                                              "xdg"))

        def whoami(*pre, **extra):
            p = subprocess.run([HOTLINE] + list(pre) + ["--json", "whoami"],
                               env=dict(env, **extra),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(p.stdout)

        self.assertEqual(whoami()["name"], "zhao")
        self.assertEqual(whoami(HOTLINE_TOKEN="dev-operator-li")["name"],
                         "li")
        self.assertEqual(whoami("--server", "unix:" + self.d.sock),
                         {"name": "root", "role": "admin", "via": "unix"})
        self.assertEqual(whoami("-C", conf)["name"], "zhao")

    def test_unix_socket_client(self):
        p = self.d.client("--json", "whoami", unix=True)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(json.loads(p.out),
                         {"name": "root", "role": "admin", "via": "unix"})
        p = self.d.client(*self.LOG, unix=True)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(self.d.count_rows(), 1)


if __name__ == "__main__":
    unittest.main()
