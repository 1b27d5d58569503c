"""The audit trail end to end: one exact row for each audited action (a
single-call read by anyone but the call's operator, a call shown with its
personal fields in a list, an amendment, an export, every queue item move
including the timer's, a failed authentication), none for an operator
reading its own call nor for lists that show no one else's personal
fields; a resolution hidden like the notes; the rows in syslog (stderr with -f), never a token or a value;
append-only against the sqlite3 shell; GET /v1/audit for admins only,
filtered and paged; the client's hotline audit; rows that survive kill -9;
and a read refused, not served unaudited, under a full disk or a held
store lock."""
import os
import pwd
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

from harness import DEV_LIMITS, TOKENS, Daemon, DaemonTest, good

TCP_PEER = re.compile(r"^127\.0\.0\.1:\d+$")
ME = pwd.getpwuid(os.getuid()).pw_name
UNIX_PEER = "uid %d" % os.getuid()

SHORT = """queues = (
  { code = "mhc";    name = "青岛市精神卫生中心"; lease = 2;
    sla = { p1 = 2; }; },
  { code = "legal";  name = "法律服务绿色通道"; },
  { code = "family"; name = "家庭关爱联络"; }
);"""


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


def rows_of(path):
    """Every audit row, oldest first, straight from the database file."""
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(
            "SELECT id, at, who, role, peer, action, call_id, item_id, "
            "detail FROM audit ORDER BY id")]
    finally:
        db.close()


class AuditTest(DaemonTest):
    def rows(self):
        return rows_of(self.d.db)

    def one_new_row(self, before):
        """The single row written since before (a row count)."""
        rows = self.rows()
        self.assertEqual(len(rows), before + 1, rows[before:])
        return rows[-1]

    def assertRow(self, row, who, role, peer, action, call_id=None,
                  item_id=None, detail=None):
        self.assertEqual(row["who"], who, row)
        self.assertEqual(row["role"], role, row)
        if hasattr(peer, "match"):
            self.assertRegex(row["peer"], peer)
        else:
            self.assertEqual(row["peer"], peer, row)
        self.assertEqual(row["action"], action, row)
        self.assertEqual(row["call_id"], call_id, row)
        self.assertEqual(row["item_id"], item_id, row)
        self.assertEqual(row["detail"], detail, row)
        self.assertAlmostEqual(row["at"], time.time(), delta=120)

    def assertLogged(self, row):
        """The row is in syslog (stderr with -f), with the same fields."""
        want = (f"audit {row['id']}: at=\\S+ action={re.escape(row['action'])}"
                f" who={re.escape(row['who'])} role={row['role']} "
                f"peer={re.escape(row['peer'])}")
        self.assertTrue(wait_for(lambda: re.search(want, self.d.stderr()),
                                 5), want + "\n" + self.d.stderr())

    def claim(self, who="zhao", queue="mhc"):
        return self.d.request("POST", f"/v1/queues/{queue}/claim", who=who)

    def act(self, item, verb, who="zhao", body=None):
        return self.d.request("POST", f"/v1/queue-items/{item}/{verb}", body,
                              who=who)


class TestReads(AuditTest):
    def test_operator_reading_own_call_and_lists_leave_no_row(self):
        cid = self.d.post_call(good(risk="high", notes="私人")).json["id"]
        for who in ("wang",):
            self.assertEqual(self.d.request("GET", f"/v1/calls/{cid}",
                                            who=who).status, 200)
        # The operator's own list; a counselor's, who holds nothing and
        # sees no personal field (nor in the queue).
        for who in ("wang", "zhao"):
            r = self.d.request("GET", "/v1/calls", who=who)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(len(r.json["calls"]), 1)
        self.assertNotIn("私人", r.raw.decode())
        r = self.d.request("GET", "/v1/queues/mhc", who="zhao")
        self.assertEqual((r.status, len(r.json["items"])), (200, 1), r)
        self.assertNotIn("私人", r.raw.decode())
        self.assertEqual(self.d.request("GET", "/v1/queues", who="li")
                         .status, 200)
        # Another operator's read is refused (403), not served: no row.
        self.assertEqual(self.d.request("GET", f"/v1/calls/{cid}",
                                        who="li").status, 403)
        self.assertEqual(self.rows(), [])
        self.assertNotIn("audit ", self.d.stderr())

    def test_single_reads_by_others_one_row_each(self):
        cid = self.d.post_call(good(risk="high", notes="私人")).json["id"]
        # A supervisor.
        r = self.d.request("GET", f"/v1/calls/{cid}", who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["notes"], "私人")
        row = self.one_new_row(0)
        self.assertRow(row, "chen", "supervisor", TCP_PEER, "call.read",
                       call_id=cid)
        self.assertLogged(row)
        # An admin on the Unix socket: the peer is its uid.
        r = self.d.request("GET", f"/v1/calls/{cid}", unix=True)
        self.assertEqual(r.status, 200, r)
        row = self.one_new_row(1)
        self.assertRow(row, ME, "admin", UNIX_PEER, "call.read", call_id=cid)
        self.assertLogged(row)
        # A counselor holding the call's item: the claim row covers the
        # call in the claim's answer; a later read is a read.
        r = self.claim("zhao")
        self.assertEqual(r.status, 200, r)
        item = r.json["id"]
        row = self.one_new_row(2)
        self.assertRow(row, "zhao", "counselor", TCP_PEER, "item.claim",
                       call_id=cid, item_id=item, detail="queue mhc")
        r = self.d.request("GET", f"/v1/calls/{cid}", who="zhao")
        self.assertEqual((r.status, r.json["notes"]), (200, "私人"), r)
        self.assertRow(self.one_new_row(3), "zhao", "counselor", TCP_PEER,
                       "call.read", call_id=cid)
        # A counselor not holding it sees no personal field: still a read.
        r = self.d.request("GET", f"/v1/calls/{cid}", who="zhou")
        self.assertEqual(r.status, 200, r)
        self.assertRow(self.one_new_row(4), "zhou", "counselor", TCP_PEER,
                       "call.read", call_id=cid)
        # The queue item shows its call: a read of that call, with the item.
        r = self.d.request("GET", f"/v1/queue-items/{item}", who="zhao")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["call"]["id"], cid)
        self.assertRow(self.one_new_row(5), "zhao", "counselor", TCP_PEER,
                       "call.read", call_id=cid, item_id=item)
        # Reads that fail show nothing and leave nothing.
        self.assertEqual(self.d.request("GET", "/v1/calls/999",
                                        who="chen").status, 404)
        self.assertEqual(self.d.request("GET", "/v1/queue-items/999",
                                        who="chen").status, 404)
        self.assertEqual(len(self.rows()), 6)

    def test_lists_showing_personal_fields_one_row_per_call(self):
        a = self.d.post_call(good(risk="high", notes="甲")).json["id"]
        b = self.d.post_call(good(notes="乙"), who="li").json["id"]
        # A supervisor's list shows both calls' notes: a row for each.
        r = self.d.request("GET", "/v1/calls", who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(c["notes"] for c in r.json["calls"]),
                         ["乙", "甲"])
        rows = self.rows()
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual(sorted(row["call_id"] for row in rows), [a, b])
        for row in rows:
            self.assertRow(row, "chen", "supervisor", TCP_PEER, "call.list",
                           call_id=row["call_id"], detail="calls")
            self.assertLogged(row)
        # A page: only what it shows.
        r = self.d.request("GET", "/v1/calls?limit=1", unix=True)
        self.assertEqual((r.status, len(r.json["calls"])), (200, 1), r)
        self.assertRow(self.one_new_row(2), ME, "admin", UNIX_PEER,
                       "call.list", call_id=r.json["calls"][0]["id"],
                       detail="calls")
        # An operator's list of its own calls: nothing.
        self.assertEqual(self.d.request("GET", "/v1/calls").status, 200)
        self.assertEqual(len(self.rows()), 3)
        # The counselor holding a's item sees it in the queue's claimed
        # items: a row naming the item and the queue.
        item = self.claim("zhao").json["id"]
        self.assertEqual(self.one_new_row(3)["action"], "item.claim")
        r = self.d.request("GET", "/v1/queues/mhc?state=claimed", who="zhao")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["items"][0]["call"]["notes"], "甲")
        self.assertRow(self.one_new_row(4), "zhao", "counselor", TCP_PEER,
                       "call.list", call_id=a, item_id=item,
                       detail="queue mhc")
        # Another counselor sees it without its notes: nothing.
        r = self.d.request("GET", "/v1/queues/mhc?state=claimed", who="zhou")
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("notes", r.json["items"][0]["call"])
        self.assertEqual(len(self.rows()), 5)
        # GET /v1/audit?action=call.list finds them.
        r = self.d.request("GET", "/v1/audit?action=call.list", unix=True)
        self.assertEqual((r.status, len(r.json["audit"])), (200, 4), r)

    def test_resolution_shown_like_the_notes(self):
        cid = self.d.post_call(good(risk="high", notes="私人")).json["id"]
        item = self.claim("zhao").json["id"]
        r = self.act(item, "complete", body={"resolution": "已回访, 细节"})
        self.assertEqual((r.status, r.json["resolution"]),
                         (200, "已回访, 细节"), r)
        # The counselor who wrote it, a supervisor: shown.
        for who in ("zhao", "chen"):
            r = self.d.request("GET", f"/v1/queue-items/{item}", who=who)
            self.assertEqual((r.status, r.json["resolution"]),
                             (200, "已回访, 细节"), (who, r))
        # Another counselor: hidden, and said so, in the item and the list.
        r = self.d.request("GET", f"/v1/queue-items/{item}", who="zhou")
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("resolution", r.json)
        self.assertEqual(r.json["redacted"], ["resolution"])
        r = self.d.request("GET", "/v1/queues/mhc?state=done", who="zhou")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["items"][0]["call"]["id"], cid)
        self.assertNotIn("细节", r.raw.decode())
        self.assertEqual(r.json["items"][0]["redacted"], ["resolution"])

    def test_admin_operator_reading_own_call_leaves_no_row(self):
        # An admin may log calls too (over the Unix socket): its own.
        r = self.d.post_call(good(), unix=True)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.d.request("GET", f"/v1/calls/{r.json['id']}",
                                        unix=True).status, 200)
        self.assertEqual(self.rows(), [])


class TestWrites(AuditTest):
    def test_amendment_names_fields_never_values(self):
        cid = self.d.post_call(good(notes="旧的")).json["id"]
        secret = "新的秘密 x-93817"
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"notes": secret, "risk": "moderate"},
                           headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        row = self.one_new_row(0)
        self.assertRow(row, "wang", "operator", TCP_PEER, "call.amend",
                       call_id=cid, detail=row["detail"])
        self.assertEqual(sorted(row["detail"].split(",")), ["notes", "risk"])
        self.assertLogged(row)
        self.assertNotIn(secret, self.d.stderr())
        db = sqlite3.connect(self.d.db)
        try:
            text = " ".join(str(v) for r in db.execute("SELECT * FROM audit")
                            for v in r)
        finally:
            db.close()
        self.assertNotIn("x-93817", text)
        self.assertNotIn("moderate", text)
        # An admin's amendment, and its PATCH that changes nothing: the
        # answer shows the call, so it is a read.
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"},
                           unix=True)
        self.assertEqual(r.status, 200, r)
        self.assertRow(self.one_new_row(1), ME, "admin", UNIX_PEER,
                       "call.amend", call_id=cid, detail="risk")
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"},
                           unix=True)
        self.assertEqual(r.status, 200, r)
        self.assertRow(self.one_new_row(2), ME, "admin", UNIX_PEER,
                       "call.read", call_id=cid)
        # The operator's own no-change PATCH: nothing.
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(self.rows()), 3)
        # A refused amendment (412) leaves nothing either.
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "low"},
                           headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 412, r)
        self.assertEqual(len(self.rows()), 3)

    def test_export_row(self):
        for _ in range(3):
            self.d.post_call(good())
        r = self.d.request("GET", "/v1/export?from=2020-01-01&to=2039-12-31"
                           "&format=json", who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json), 3)
        row = self.one_new_row(0)
        self.assertRow(row, "chen", "supervisor", TCP_PEER, "export",
                       detail=row["detail"])
        self.assertRegex(row["detail"], r"^export 1: from 2020-01-01T00:00:00"
                         r"\+08:00 to 2040-01-01T00:00:00\+08:00, json$")
        self.assertLogged(row)
        r = self.d.request("GET", "/v1/export?from=2020-01-01&to=2039-12-31",
                           unix=True)
        self.assertEqual(r.status, 200, r)
        row = self.one_new_row(1)
        self.assertRow(row, ME, "admin", UNIX_PEER, "export",
                       detail=row["detail"])
        self.assertTrue(row["detail"].startswith("export 2: ")
                        and row["detail"].endswith(", csv"), row)
        self.assertEqual(self.d.count_rows("exports"), 2)

    def test_queue_transitions(self):
        cid = self.d.post_call(good(risk="high")).json["id"]
        self.assertEqual(self.rows(), [])    # a new call: not a read
        item = self.claim("zhao").json["id"]
        self.assertRow(self.one_new_row(0), "zhao", "counselor", TCP_PEER,
                       "item.claim", cid, item, "queue mhc")
        self.assertEqual(self.act(item, "renew").status, 200)
        self.assertRow(self.one_new_row(1), "zhao", "counselor", TCP_PEER,
                       "item.renew", cid, item)
        self.assertEqual(self.act(item, "release").status, 200)
        self.assertRow(self.one_new_row(2), "zhao", "counselor", TCP_PEER,
                       "item.release", cid, item)
        self.assertEqual(self.claim("zhou").json["id"], item)
        self.assertRow(self.one_new_row(3), "zhou", "counselor", TCP_PEER,
                       "item.claim", cid, item, "queue mhc")
        # Refused moves leave nothing.
        self.assertEqual(self.act(item, "release", who="zhao").status, 403)
        self.assertEqual(self.claim("zhao").status, 204)
        self.assertEqual(len(self.rows()), 4)
        # A supervisor completes zhou's item: said whose it was.
        r = self.act(item, "complete", who="chen",
                     body={"resolution": "已回访, 私人细节"})
        self.assertEqual(r.status, 200, r)
        row = self.one_new_row(4)
        self.assertRow(row, "chen", "supervisor", TCP_PEER, "item.complete",
                       cid, item, "held by zhou")
        self.assertLogged(row)
        self.assertNotIn("私人细节", self.d.stderr())
        # The client says each detail's form in words, the codes kept.
        p = self.d.client("audit", unix=True, env={"LANG": "zh_CN.UTF-8"})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r" item\.claim +%d +%d +队列：青岛市精神卫生中心\n"
                         % (cid, item))
        self.assertRegex(p.out, r" item\.complete +%d +%d +原由 zhou 领取\n"
                         % (cid, item))
        self.assertNotIn("queue mhc", p.out)
        self.assertNotIn("held by", p.out)
        p = self.d.client("audit", unix=True)
        self.assertRegex(p.out, r" item\.claim +%d +%d +queue: 青岛市精神卫生中心\n"
                         % (cid, item))
        self.assertRegex(p.out, r" item\.complete +%d +%d +previously held by "
                         r"zhou\n" % (cid, item))


class TestTimers(AuditTest):
    replace = {"queues": SHORT}

    def test_lease_expiry_and_escalation_rows(self):
        cid = self.d.post_call(good(risk="high")).json["id"]
        # Past its SLA of 2 s: escalated by the daemon, once.
        esc = wait_for(lambda: [r for r in self.rows()
                                if r["action"] == "item.escalate"], 8)
        self.assertEqual(len(esc), 1, self.rows())
        self.assertRow(esc[0], "hotlined", "system", "-", "item.escalate",
                       cid, 1, esc[0]["detail"])
        self.assertRegex(esc[0]["detail"], r"^waited \d+s, SLA 2s$")
        self.assertLogged(esc[0])
        self.assertEqual(self.claim("zhao").status, 200)
        exp = wait_for(lambda: [r for r in self.rows()
                                if r["action"] == "item.expire"], 8)
        self.assertEqual(len(exp), 1, self.rows())
        self.assertRow(exp[0], "hotlined", "system", "-", "item.expire", cid,
                       1, "lease of zhao ran out")
        self.assertLogged(exp[0])
        self.assertEqual([r["action"] for r in self.rows()],
                         ["item.escalate", "item.claim", "item.expire"])
        p = self.d.client("audit", unix=True, env={"LANG": "zh_CN.UTF-8"})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r" item\.escalate +%d +1 +已等待 \d+s（时限 2s）\n"
                         % cid)
        self.assertRegex(p.out, r" item\.expire +%d +1 +zhao 的领取期限已到\n"
                         % cid)
        self.assertNotIn("ran out", p.out)


class TestFailedAuth(AuditTest):
    # Every attempt of the flood reaches authentication (the block after
    # limits.auth_failures is tested in test_limits.py).
    limits = dict(DEV_LIMITS, auth_failures=10000)

    def test_bad_and_missing_tokens_recorded_never_the_token(self):
        token = "wrong-token-7d1f93ac55"
        r = self.d.request("GET", "/v1/calls", who=token)
        self.assertError(r, 401, "unauthorized")
        row = wait_for(lambda: self.rows(), 5)[0]
        self.assertRow(row, "-", "none", TCP_PEER, "auth.fail",
                       detail="via tcp")
        self.assertLogged(row)
        r = self.d.request("GET", "/v1/audit", who=None)
        self.assertError(r, 401, "unauthorized")
        self.assertTrue(wait_for(lambda: len(self.rows()) == 2, 5))
        self.assertRow(self.rows()[1], "-", "none", TCP_PEER, "auth.fail",
                       detail="via tcp")
        # Nowhere: not in the file (nor its WAL), not in the log.
        self.d.stop()
        for name in os.listdir(self.tmp):
            if name.startswith("hotline.db"):
                with open(os.path.join(self.tmp, name), "rb") as f:
                    data = f.read()
                self.assertNotIn(token.encode(), data, name)
                self.assertNotIn(b"7d1f93ac", data, name)
        self.assertNotIn("7d1f93ac", self.d.stderr())
        self.d.start()

    @unittest.skipUnless(os.getuid() == 0, "needs root to connect as "
                         "another uid")
    def test_unknown_uid_on_the_unix_socket(self):
        code = ("import socket,sys\n"
                "s=socket.socket(socket.AF_UNIX)\n"
                "s.connect(sys.argv[1])\n"
                "s.sendall(b'GET /v1/calls HTTP/1.1\\r\\nHost: x\\r\\n"
                "Connection: close\\r\\n\\r\\n')\n"
                "print(s.recv(100).split(b' ')[1].decode())\n")
        os.chmod(self.tmp, 0o755)     # the test's directory: let it in
        p = subprocess.run(["python3", "-c", code, self.d.sock], user=65534,
                           stdout=subprocess.PIPE, timeout=30)
        self.assertEqual(p.stdout.strip(), b"401")
        row = wait_for(lambda: self.rows(), 5)[0]
        self.assertRow(row, "-", "none", "uid 65534", "auth.fail",
                       detail="via unix")

    def test_flood_is_batched_every_attempt_counted(self):
        n, errs = 300, []

        def bad(k):
            try:
                for _ in range(k):
                    r = self.d.request("GET", "/v1/calls", who="nope")
                    if r.status != 401:
                        errs.append(r)
            except OSError as e:
                errs.append(e)

        ts = [threading.Thread(target=bad, args=(n // 10,))
              for _ in range(10)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        self.assertEqual(errs, [])

        def counted():
            total = 0
            for r in self.rows():
                self.assertEqual(r["action"], "auth.fail")
                m = re.match(r"^via tcp(?:, (\d+) attempts)?$|^(\d+) more "
                             r"attempts from other peers at the same "
                             r"time$", r["detail"])
                self.assertIsNotNone(m, r)
                total += int(m.group(1) or m.group(2) or 1)
            return total
        self.assertTrue(wait_for(lambda: counted() == n, 10), counted())
        self.assertLessEqual(len(self.rows()), n)
        # The daemon still serves.
        self.assertEqual(self.d.request("GET", "/v1/whoami").status, 200)


class TestAppendOnly(AuditTest):
    def test_update_and_delete_refused(self):
        cid = self.d.post_call(good()).json["id"]
        self.d.request("GET", f"/v1/calls/{cid}", who="chen")
        before = self.rows()
        self.assertEqual(len(before), 1)
        for sql in ("UPDATE audit SET who = 'nobody'",
                    "DELETE FROM audit",
                    "DELETE FROM audit WHERE id = 1"):
            p = subprocess.run(["sqlite3", self.d.db, sql],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            self.assertNotEqual(p.returncode, 0, sql)
            self.assertIn(b"the audit trail is append-only", p.stderr, sql)
        self.assertEqual(self.rows(), before)
        # Appending still works, by the daemon.
        self.d.request("GET", f"/v1/calls/{cid}", who="chen")
        self.assertEqual(len(self.rows()), 2)


class TestEndpoint(AuditTest):
    def make_rows(self, n):
        cid = self.d.post_call(good()).json["id"]
        for _ in range(n):
            self.assertEqual(self.d.request("GET", f"/v1/calls/{cid}",
                                            who="chen").status, 200)
        return cid

    def test_admin_only(self):
        self.make_rows(1)
        r = self.d.request("GET", "/v1/audit", unix=True)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["audit"]), 1)
        e = r.json["audit"][0]
        self.assertEqual({k: e[k] for k in ("id", "who", "role", "action",
                                            "call_id", "item_id", "detail")},
                         {"id": 1, "who": "chen", "role": "supervisor",
                          "action": "call.read", "call_id": 1,
                          "item_id": None, "detail": None})
        self.assertRegex(e["peer"], TCP_PEER)
        self.assertRegex(e["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
        self.assertIsNone(r.json["next_cursor"])
        for who in ("wang", "zhao", "chen"):
            self.assertError(self.d.request("GET", "/v1/audit", who=who),
                             403, "forbidden")
        self.assertError(self.d.request("GET", "/v1/audit", who=None), 401,
                         "unauthorized")
        self.assertError(self.d.request("POST", "/v1/audit", {}, unix=True),
                         405)

    def test_bad_parameters_named(self):
        for q, field in (("limit=0", "limit"), ("limit=x", "limit"),
                         ("since=yesterday", "since"),
                         ("until=2020-13-01", "until"),
                         ("action=call.delete", "action"),
                         ("cursor=abc", "cursor"), ("cursor=eDE=", "cursor"),
                         ("since=2020-02-02&until=2020-02-01", "until"),
                         ("colour=red", "colour"), ("who=", "who")):
            r = self.d.request("GET", "/v1/audit?" + q, unix=True)
            self.assertError(r, 400, "invalid_parameter", field)

    def test_paging_and_filters(self):
        cid = self.make_rows(7)
        self.d.request("GET", f"/v1/calls/{cid}", unix=True)    # row 8
        seen, cursor, pages = [], None, 0
        while True:
            q = "/v1/audit?limit=3" + (f"&cursor={cursor}" if cursor else "")
            r = self.d.request("GET", q, unix=True)
            self.assertEqual(r.status, 200, r)
            seen += [e["id"] for e in r.json["audit"]]
            pages += 1
            cursor = r.json["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, list(range(8, 0, -1)))
        self.assertEqual(pages, 3)
        r = self.d.request("GET", f"/v1/audit?who={ME}", unix=True)
        self.assertEqual([e["id"] for e in r.json["audit"]], [8])
        r = self.d.request("GET", "/v1/audit?who=chen&action=call.read",
                           unix=True)
        self.assertEqual(len(r.json["audit"]), 7)
        r = self.d.request("GET", "/v1/audit?action=export", unix=True)
        self.assertEqual(r.json["audit"], [])
        r = self.d.request("GET", "/v1/audit?since=2039-01-01", unix=True)
        self.assertEqual(r.json["audit"], [])
        r = self.d.request("GET", "/v1/audit?until=2020-01-01", unix=True)
        self.assertEqual(r.json["audit"], [])
        r = self.d.request("GET", "/v1/audit?since=2020-01-01&until="
                           "2039-01-01&limit=100", unix=True)
        self.assertEqual(len(r.json["audit"]), 8)

    def test_client_table_json_and_since(self):
        self.make_rows(2)
        p = self.d.client("audit", unix=True)
        self.assertEqual(p.returncode, 0, p.err)
        lines = p.out.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "AT", "WHO", "ROLE", "PEER",
                                            "ACTION", "CALL", "ITEM",
                                            "DETAIL"])
        self.assertEqual(len(lines), 3, p.out)
        cols = lines[1].split()
        self.assertEqual(cols[0], "2")
        self.assertEqual(cols[3:5], ["chen", "supervisor"])
        self.assertRegex(cols[5], TCP_PEER)
        self.assertEqual(cols[6:8], ["call.read", "1"])
        # The columns line up.
        self.assertEqual(lines[0].index("ACTION"), lines[1].index("call.read"))
        p = self.d.client("audit", "--json", "--limit", "1", unix=True)
        self.assertEqual(p.returncode, 0, p.err)
        import json
        out = json.loads(p.out)
        self.assertEqual([e["id"] for e in out["audit"]], [2])
        self.assertIsInstance(out["next_cursor"], str)
        self.assertIn("there are more rows", p.err)
        p = self.d.client("audit", "--json", "--limit", "1", "--all",
                          unix=True)
        self.assertEqual([e["id"] for e in json.loads(p.out)["audit"]],
                         [2, 1])
        p = self.d.client("audit", "--since", "2039-01-01", unix=True)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(p.out, "")
        self.assertIn("no audit rows match", p.err)
        p = self.d.client("audit", "--since", "2020-01-01", "--action",
                          "call.read", "--json", unix=True)
        self.assertEqual(len(json.loads(p.out)["audit"]), 2)
        p = self.d.client("audit", "--since", "today", "--who", "chen",
                          "--json", unix=True)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual([e["id"] for e in json.loads(p.out)["audit"]],
                         [2, 1])
        p = self.d.client("audit", "--since", "soon", unix=True)
        self.assertEqual(p.returncode, 2, p.err)
        self.assertIn("--since", p.err)
        p = self.d.client("audit", who="chen")
        self.assertEqual(p.returncode, 1, p.err)
        self.assertIn("your role may not do this", p.err)
        p = self.d.client("audit", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("Usage: hotline audit", p.out)


class TestCrash(AuditTest):
    def test_acknowledged_amendment_always_has_its_row(self):
        ids = [self.d.post_call(good()).json["id"] for _ in range(10)]
        acked, stop = [], threading.Event()

        def amend(cid):
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    r = self.d.request("PATCH", f"/v1/calls/{cid}",
                                       {"notes": f"v{n}"})
                except OSError:
                    return
                if r.status == 200:
                    acked.append((cid, r.json["version"]))

        ts = [threading.Thread(target=amend, args=(c,)) for c in ids]
        for t in ts:
            t.start()
        wait_for(lambda: len(acked) >= 40, 20)
        self.d.kill9()
        stop.set()
        for t in ts:
            t.join(60)
        self.assertGreater(len(acked), 0)
        db = sqlite3.connect(self.d.db)
        try:
            per_call = dict(db.execute(
                "SELECT call_id, count(*) FROM audit WHERE action = "
                "'call.amend' GROUP BY call_id"))
            versions = dict(db.execute("SELECT id, version FROM calls"))
        finally:
            db.close()
        for cid, version in acked:
            # Version v took v - 1 amendments, each with its row.
            self.assertGreaterEqual(per_call.get(cid, 0), version - 1)
        for cid in ids:
            self.assertEqual(per_call.get(cid, 0), versions[cid] - 1, cid)
        self.d.start()


class TestLockedStore(AuditTest):
    def test_read_refused_while_the_lock_is_held(self):
        cid = self.d.post_call(good(notes="锁住时")).json["id"]
        db = sqlite3.connect(self.d.db, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            r = self.d.request("GET", f"/v1/calls/{cid}", who="chen")
            self.assertError(r, 503, "store_unavailable")
            self.assertIn("audit trail", r.json["message"])
            self.assertNotIn("锁住时", r.raw.decode())
            # The operator's own read needs no row: served meanwhile.
            r = self.d.request("GET", f"/v1/calls/{cid}")
            self.assertEqual((r.status, r.json["notes"]), (200, "锁住时"))
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(self.rows(), [])
        r = self.d.request("GET", f"/v1/calls/{cid}", who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(self.rows()), 1)

    def test_list_refused_while_the_lock_is_held(self):
        self.d.post_call(good(notes="锁住时"))
        db = sqlite3.connect(self.d.db, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            r = self.d.request("GET", "/v1/calls", who="chen")
            self.assertError(r, 503, "store_unavailable")
            self.assertIn("audit trail", r.json["message"])
            self.assertNotIn("锁住时", r.raw.decode())
            # The operator's own list needs no row: served meanwhile.
            r = self.d.request("GET", "/v1/calls")
            self.assertEqual((r.status, r.json["calls"][0]["notes"]),
                             (200, "锁住时"))
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(self.rows(), [])


class TestDiskFull(unittest.TestCase):
    """The store on a 3 MB tmpfs; a filler file takes the rest."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        self.mnt = os.path.join(self.tmp, "small")
        os.mkdir(self.mnt)
        try:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m",
                            "tmpfs", self.mnt], check=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except (OSError, subprocess.CalledProcessError) as e:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.skipTest(f"cannot mount a small tmpfs (needs root and "
                          f"permission to mount): {e}")
        self.d = Daemon(self.mnt).start()

    def tearDown(self):
        try:
            self.d.stop()
        finally:
            subprocess.run(["umount", "-l", self.mnt])
            shutil.rmtree(self.tmp, ignore_errors=True)

    def fill(self):
        path = os.path.join(self.mnt, "filler")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (65536, 512):
                try:
                    while os.write(fd, b"\0" * size) > 0:
                        pass
                except OSError:
                    pass
        finally:
            os.close(fd)
        return path

    def test_read_refused_rather_than_served_unaudited(self):
        cid = self.d.post_call(good(notes="满盘")).json["id"]
        filler = self.fill()
        # The last free bytes may still take a few rows: read until one
        # is refused. Every read served has its row; none refused shows
        # the call.
        served, refused = 0, None
        for _ in range(400):
            r = self.d.request("GET", f"/v1/calls/{cid}", who="chen")
            self.assertIn(r.status, (200, 503), r)
            if r.status == 200:
                served += 1
                continue
            refused = r
            break
        self.assertIsNotNone(refused, "no read was refused on a full disk")
        self.assertEqual(refused.json["error"], "store_unavailable")
        self.assertIn("disk is full", refused.json["message"])
        self.assertNotIn("满盘", refused.raw.decode())
        # The operator's own read needs no row.
        self.assertEqual(self.d.request("GET", f"/v1/calls/{cid}").status,
                         200)
        os.unlink(filler)
        deadline = time.time() + 20
        while "the store writes again" not in self.d.stderr():
            self.assertLess(time.time(), deadline)
            time.sleep(0.1)
        r = self.d.request("GET", f"/v1/calls/{cid}", who="chen")
        self.assertEqual(r.status, 200, r)
        self.d.stop()
        rows = rows_of(self.d.db)
        self.assertEqual(len(rows), served + 1)
        self.assertTrue(all(r["action"] == "call.read" for r in rows))


if __name__ == "__main__":
    unittest.main()
