"""Missed callers called back (pbx.callback): a caller who gave up after
the short-abandon threshold gets one item in the configured queue however
often they tried; their number is kept only in that item, sealed with
AES-256-GCM, shown only to the counselor holding it (an audit row each
time), erased when the item is done and by retention. The database, its
WAL and SHM files never hold the number in any spelling."""
import os
import signal
import sqlite3
import subprocess
import time

from harness import HOTLINED, ROOT_ARGS, DaemonTest

KEY = "00112233445566778899aabbccddeeff" * 2

PBX = """pbx = {
  queue_log = "var/queue_log";
  lines = (
    { name = "hotline400";  line = "400"; },
    { name = "hotline9120"; line = "9120"; }
  );
  agents = (
    { agent = "PJSIP/8001"; operator = "wang"; },
    { agent = "PJSIP/8002"; operator = "li"; }
  );
  short_abandon = "5s";
  callback = { queue = "mhc"; %s };
};"""

NUMBER = "13812345678"
# The spellings a number could be stored in: digits, with the country
# code, as the caller id shows it, with separators, in UTF-16.
SPELLINGS = [NUMBER.encode(), b"+86" + NUMBER.encode(),
             b"86" + NUMBER.encode(), b"138 1234 5678", b"138-1234-5678",
             NUMBER.encode("utf-16-le"), NUMBER.encode("utf-16-be")]


def at(s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))


def wait_for(what, fn, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class CallbackTest(DaemonTest):
    replace = {"pbx": PBX % ('key = "%s";' % KEY)}
    status = True

    def setUp(self):
        os.environ.setdefault("TZ", "UTC")
        super().setUp()
        os.makedirs(os.path.join(self.tmp, "var"), exist_ok=True)

    def missed(self, cid, number, ago, wait=40, line="400"):
        """A call offered ago seconds ago and given up after wait."""
        t = int(time.time()) - ago
        ev = {"call_id": cid, "event": "offered", "line": line,
              "at": at(t)}
        if number is not None:
            ev["caller_number"] = number
        r = self.d.request("POST", "/v1/pbx/events", ev, who="pbx")
        self.assertEqual(r.status, 201, r)
        r = self.d.request("POST", "/v1/pbx/events", {
            "call_id": cid, "event": "abandoned", "at": at(t + wait)},
            who="pbx")
        self.assertEqual(r.status, 201, r)

    def items(self, who="zhao"):
        r = self.d.request("GET", "/v1/queues/mhc?state=open", who=who)
        self.assertEqual(r.status, 200, r)
        return [i for i in r.json["items"] if i["kind"] == "missed"]

    def sql(self, q, args=()):
        db = sqlite3.connect(self.d.db)
        try:
            return db.execute(q, args).fetchall()
        finally:
            db.close()

    def audits(self, item):
        return self.sql("SELECT who FROM audit WHERE action = 'item.number'"
                        " AND item_id = ? ORDER BY id", (item,))

    def assert_nowhere(self, spellings=SPELLINGS):
        files = [self.d.db + s for s in ("", "-wal", "-shm")]
        self.assertTrue(os.path.exists(files[0]))
        for path in files:
            if not os.path.exists(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            for s in spellings:
                self.assertNotIn(s, data, f"{path} holds {s!r}")


class TestCallback(CallbackTest):
    def test_one_item_per_caller_visibility_audit_erasure(self):
        self.missed("a1", "138 1234 5678", 900)
        # The same caller again (known by the digits of the number).
        self.missed("a2", NUMBER, 600)
        self.missed("b1", "13900000001", 500, wait=3)   # hung up short
        self.missed("c1", None, 400)            # no number
        # An answered call makes nothing.
        r = self.d.request("POST", "/v1/pbx/events", {
            "call_id": "d1", "event": "offered", "line": "400",
            "caller_number": "13900000002"}, who="pbx")
        self.assertEqual(r.status, 201, r)
        self.d.request("POST", "/v1/pbx/events", {
            "call_id": "d1", "event": "answered", "agent": "PJSIP/8001"},
            who="pbx")
        items = self.items()
        self.assertEqual(len(items), 1, items)
        it = items[0]
        self.assertIsNone(it["call_id"])
        self.assertIsNone(it["call"])
        self.assertEqual(it["missed"]["tries"], 2)
        self.assertEqual(it["missed"]["line"], "400")
        self.assertIsNone(it["missed"]["caller_number"])
        self.assertIn("caller_number", it["redacted"])
        self.assert_nowhere()
        # Nobody holds it: nobody sees the number, not even a supervisor.
        for who in ("zhao", "chen", "ops"):
            r = self.d.request("GET", f"/v1/queue-items/{it['id']}", who=who)
            self.assertEqual(r.status, 200, r)
            self.assertIsNone(r.json["missed"]["caller_number"], who)
        self.assertEqual(self.audits(it["id"]), [])
        # The holder sees it on the claim, and on every read: audited.
        r = self.d.request("POST", "/v1/queues/mhc/claim", who="zhao")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["id"], it["id"])
        self.assertEqual(r.json["missed"]["caller_number"],
                         "138 1234 5678")
        self.assertNotIn("redacted", r.json)
        self.assertEqual(self.audits(it["id"]), [("zhao",)])
        r = self.d.request("GET", f"/v1/queue-items/{it['id']}", who="zhao")
        self.assertEqual(r.json["missed"]["caller_number"],
                         "138 1234 5678")
        self.assertEqual(len(self.audits(it["id"])), 2)
        # Another counselor, the supervisor, the operator: not shown.
        for who in ("zhou", "chen"):
            r = self.d.request("GET", f"/v1/queue-items/{it['id']}", who=who)
            self.assertEqual(r.status, 200, r)
            self.assertIsNone(r.json["missed"]["caller_number"], who)
        r = self.d.request("GET", f"/v1/queue-items/{it['id']}", who="wang")
        self.assertEqual(r.status, 403, r)
        # A list never carries it, even to the holder.
        self.assertIsNone(self.items("zhao")[0]["missed"]["caller_number"])
        self.assertEqual(len(self.audits(it["id"])), 2)
        # The client shows it to the holder, in Chinese.
        p = self.d.client("claim", "mhc", who="zhou",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertIn("没有可领取", p.out + p.err)
        p = self.d.client("renew", str(it["id"]), who="zhao",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("138 1234 5678", p.out)
        self.assertIn("未接来电", p.out)
        self.assertEqual(len(self.audits(it["id"])), 3)
        self.assert_nowhere()
        # Done: the sealed number is overwritten.
        self.assertIsNotNone(self.sql(
            "SELECT number FROM pbx_callbacks WHERE item_id = ?",
            (it["id"],))[0][0])
        r = self.d.request("POST", f"/v1/queue-items/{it['id']}/complete",
                           {"resolution": "回拨成功"}, who="zhao")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["missed"]["erased"])
        self.assertIsNone(r.json["missed"]["caller_number"])
        self.assertEqual(self.sql(
            "SELECT number FROM pbx_callbacks WHERE item_id = ?",
            (it["id"],)), [(None,)])
        # The caller tries again: a new item.
        self.missed("a3", NUMBER, 100)
        items = self.items()
        self.assertEqual(len(items), 1)
        self.assertNotEqual(items[0]["id"], it["id"])
        self.assertEqual(items[0]["missed"]["tries"], 1)
        self.d.stop()
        self.assert_nowhere()
        self.d.start()

    def test_queue_log_gives_the_caller_id(self):
        t = int(time.time()) - 300
        with open(os.path.join(self.tmp, "var", "queue_log"), "a") as f:
            f.write(f"{t}|q1|hotline9120|NONE|ENTERQUEUE||{NUMBER}|1\n"
                    f"{t + 30}|q1|hotline9120|NONE|ABANDON|1|1|30\n"
                    f"{t + 40}|q2|hotline9120|NONE|ENTERQUEUE||13900000009|1\n"
                    f"{t + 42}|q2|hotline9120|NONE|ABANDON|1|1|2\n"
                    f"{t + 50}|q3|hotline9120|NONE|ENTERQUEUE||13900000008|1\n"
                    f"{t + 70}|q3|hotline9120|NONE|EXITWITHTIMEOUT|1|1|20\n")
        items = wait_for("two items", lambda: len(self.items()) == 2 and
                         self.items())
        self.assertEqual(sorted(i["missed"]["line"] for i in items),
                         ["9120", "9120"])
        r = self.d.request("POST", "/v1/queues/mhc/claim", who="zhou")
        self.assertEqual(r.json["missed"]["caller_number"], NUMBER)
        self.assert_nowhere()

    def test_reload_refuses_a_bad_key_and_keeps_the_old(self):
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text.replace(KEY, KEY[:-2]))
        self.d.proc.send_signal(signal.SIGHUP)
        wait_for("refused", lambda: "reload refused" in self.d.stderr())
        self.assertIn("pbx.callback.key", self.d.stderr())
        self.missed("r1", NUMBER, 100)
        r = self.d.request("POST", "/v1/queues/mhc/claim", who="zhao")
        self.assertEqual(r.json["missed"]["caller_number"], NUMBER)


class TestOffByDefault(DaemonTest):
    def test_no_item_no_table_row(self):
        t = int(time.time()) - 300
        for ev in ({"call_id": "o1", "event": "offered", "line": "400",
                    "at": at(t), "caller_number": NUMBER},
                   {"call_id": "o1", "event": "abandoned", "at": at(t + 60)}):
            r = self.d.request("POST", "/v1/pbx/events", ev, who="pbx")
            self.assertEqual(r.status, 201, r)
        self.assertEqual(self.d.count_rows("pbx_callbacks"), 0)
        self.assertEqual(self.d.count_rows("queue_items"), 0)


class TestRetention(CallbackTest):
    retention = "  personal_days = 1;"

    def test_numbers_erased_by_retention(self):
        self.missed("old", NUMBER, 3 * 86400)
        self.missed("new", "13900000007", 600)
        self.assertEqual(len(self.items()), 2)
        self.d.restart()        # retention runs soon after start-up
        wait_for("retention", lambda: self.sql(
            "SELECT count(*) FROM pbx_callbacks WHERE number IS NULL")
            == [(1,)])
        old = self.sql("SELECT c.item_id FROM pbx_callbacks c JOIN pbx_calls"
                       " p ON p.id = c.pbx_call WHERE p.pbx_id = 'old'")
        self.assertEqual(self.sql("SELECT number FROM pbx_callbacks WHERE "
                                  "item_id = ?", old[0]), [(None,)])
        self.assert_nowhere()


class TestKeys(CallbackTest):
    def check(self, callback):
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        conf = os.path.join(self.tmp, "other.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text.replace('key = "%s";' % KEY, callback))
        return subprocess.run([HOTLINED] + ROOT_ARGS + ["-t", "-c", conf],
                              cwd=self.tmp, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=30)

    def test_bad_keys_exit_78_naming_the_setting(self):
        kf = os.path.join(self.tmp, "cb.key")
        with open(kf, "w") as f:
            f.write(KEY + "\n")
        os.chmod(kf, 0o400)
        self.assertEqual(self.check('key_file = "%s";' % kf).returncode, 0)
        os.chmod(kf, 0o644)
        p = self.check('key_file = "%s";' % kf)
        self.assertEqual(p.returncode, 78)
        self.assertIn(b"pbx.callback.key_file", p.stderr)
        self.assertIn(b"readable by it alone", p.stderr)
        for bad, setting in (('key = "abc";', b"pbx.callback.key"),
                             ('key = "%s";' % ("zz" * 32),
                              b"pbx.callback.key"),
                             ("", b"pbx.callback.key"),
                             ('key = "%s"; key_file = "%s";' % (KEY, kf),
                              b"pbx.callback.key"),
                             ('key_file = "nowhere";',
                              b"pbx.callback.key_file"),
                             ('key = "%s"; priority = 12;' % KEY,
                              b"pbx.callback.priority")):
            p = self.check(bad)
            self.assertEqual(p.returncode, 78, bad)
            self.assertIn(setting, p.stderr, bad)
        p = self.check('key = "%s"; queue = "nowhere";' % KEY)
        self.assertEqual(p.returncode, 78)
