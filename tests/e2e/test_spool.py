"""The client never loses a record: a call the server cannot take (down, a
timeout, a 5xx) is saved in the spool and sent later exactly once, a
refused one is kept aside and listed, an amendment is replayed safely."""
import datetime
import glob
import json
import os
import shutil
import signal
import sqlite3

from harness import DaemonTest

LOG = ["log", "--line", "9120", "--caller-type", "medic_family",
       "--topic", "grief,sleep", "--risk", "moderate", "--duration", "12m",
       "--notes", "离线时记下的电话：丈夫在援鄂医疗队"]


class SpoolTest(DaemonTest):
    def spool(self, sub=""):
        d = os.path.join(self.tmp, "xdg-state", "hotline", "spool", sub)
        return sorted(glob.glob(os.path.join(d, "*.json")))

    def rows(self):
        db = sqlite3.connect(self.d.db)
        try:
            return db.execute("SELECT id, line, caller_type, risk, notes,"
                              " duration_s, started_at FROM calls"
                              " ORDER BY id").fetchall()
        finally:
            db.close()

    def log_down(self, *args, strict=False):
        p = self.d.client(*((["--strict"] if strict else []) + list(args)))
        self.assertEqual(p.returncode, 3 if strict else 0, p.err)
        self.assertIn("saved locally", p.out)
        self.assertIn("saved on this computer", p.err)
        return p

    def locked(self):
        db = sqlite3.connect(self.d.db, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        return db


class TestSpool(SpoolTest):
    def test_down_saved_locally_then_sync_stores_once_intact(self):
        self.d.stop()
        self.log_down(*LOG)
        files = self.spool()
        self.assertEqual(len(files), 1)
        st = os.stat(files[0])
        self.assertEqual(st.st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.dirname(files[0])).st_mode & 0o777,
                         0o700)
        saved = json.load(open(files[0]))
        self.assertEqual(saved["method"], "POST")
        # Nothing half-written is left beside it.
        self.assertEqual([n for n in os.listdir(os.path.dirname(files[0]))
                          if n.startswith(".tmp")], [])
        self.d.start()
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("logged call 1", p.out)
        self.assertEqual(self.spool(), [])
        rows = self.rows()
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][1:6], ("9120", "medic_family", "moderate",
                                        "离线时记下的电话：丈夫在援鄂医疗队",
                                        720))
        r = self.d.request("GET", "/v1/calls/1")
        self.assertEqual(r.json["topics"], ["grief", "sleep"])
        # The call keeps the time it was logged, not the time it was sent.
        sent = datetime.datetime.fromisoformat(r.json["started_at"])
        logged = datetime.datetime.fromisoformat(
            saved["body"]["started_at"].replace("Z", "+00:00"))
        self.assertEqual(sent, logged)
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("nothing to send", p.out)
        p = self.d.client("sync", "--list")
        self.assertIn("nothing saved", p.out)

    def test_strict_exits_3(self):
        self.d.stop()
        self.log_down(*LOG, strict=True)
        self.d.start()

    def test_resend_after_success_makes_no_duplicate(self):
        self.d.stop()
        self.log_down(*LOG)
        f = self.spool()[0]
        copy = os.path.join(self.tmp, "copy.json")
        shutil.copy(f, copy)
        self.d.start()
        self.assertEqual(self.d.client("sync").returncode, 0)
        shutil.copy(copy, f)            # as if the answer had been lost
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("already stored", p.out)
        self.assertEqual(len(self.rows()), 1)

    def test_attempt_stored_before_saving_is_not_a_conflict(self):
        # An attempt got through but its answer was lost, then the call
        # was saved with the time it was logged added: the server sees
        # the key with another body (409); the body as attempted settles
        # it as stored, once.
        body = {"line": "400", "caller_type": "medic", "topics": ["sleep"],
                "risk": "low", "notes": "答复丢失"}
        r = self.d.post_call(body, key="lost-answer")
        self.assertEqual(r.status, 201, r)
        self.d.stop()
        self.log_down("log", "-l", "400", "-c", "medic", "-t", "sleep",
                      "-r", "low", "--notes", "答复丢失",
                      "--idempotency-key", "lost-answer")
        rec = json.load(open(self.spool()[0]))
        self.assertTrue(rec["started_default"])
        self.assertIn("started_at", rec["body"])
        self.d.start()
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("already stored", p.out)
        self.assertEqual(len(self.rows()), 1)
        self.assertEqual(self.spool("rejected"), [])

    def test_oldest_first_and_next_command_sends_quietly(self):
        self.d.stop()
        for n in range(3):
            self.log_down("log", "-l", "400", "-c", "medic", "-t",
                          "anxiety", "-r", "low", "--notes", f"第{n}个")
        self.d.start()
        p = self.d.client("list", "--json")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("sent 3 requests saved earlier", p.err)
        listed = json.loads(p.out)
        self.assertEqual(len(listed["calls"]), 3)
        self.assertEqual([r[4] for r in self.rows()], ["第0个", "第1个",
                                                      "第2个"])
        self.assertEqual(self.spool(), [])

    def test_refused_is_kept_aside_and_listed(self):
        self.d.stop()
        self.log_down("log", "-l", "110", "-c", "medic", "-t", "anxiety",
                      "-r", "low", "--notes", "线路代码写错了")
        self.log_down(*LOG)
        self.d.start()
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 1)
        self.assertIn("refused", p.err)
        self.assertIn("kept aside", p.err)
        # The good one behind it was still sent.
        self.assertIn("logged call", p.out)
        self.assertEqual(self.spool(), [])
        kept = self.spool("rejected")
        self.assertEqual(len(kept), 1)
        rec = json.load(open(kept[0]))
        self.assertEqual(rec["status"], 400)
        self.assertEqual(rec["error"]["field"], "line")
        self.assertEqual(rec["body"]["notes"], "线路代码写错了")
        p = self.d.client("sync", "--list")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("rejected", p.out)
        self.assertIn("HTTP 400", p.out)
        self.assertIn("line 110", p.out)
        p = self.d.client("sync", "--list", "--json")
        self.assertEqual([r["state"] for r in json.loads(p.out)],
                         ["rejected"])
        # Never deleted by later runs.
        self.assertIn("nothing to send", self.d.client("sync").out)
        self.assertEqual(len(self.spool("rejected")), 1)
        self.assertEqual(len(self.rows()), 1)

    def test_5xx_is_saved_then_sent(self):
        db = self.locked()
        try:
            self.log_down(*LOG)
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(len(self.rows()), 0)
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(len(self.rows()), 1)

    def test_timeout_saved_then_stored_once(self):
        # A daemon that accepts but does not answer: every attempt times
        # out; when it wakes it answers them all, and the key keeps one.
        self.d.proc.send_signal(signal.SIGSTOP)
        try:
            p = self.d.client(*LOG, env={"HOTLINE_TIMEOUT": "1"})
        finally:
            self.d.proc.send_signal(signal.SIGCONT)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("no answer from", p.err)
        self.assertIn("saved locally", p.out)
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(len(self.rows()), 1)
        self.assertEqual(self.spool(), [])


class TestSpoolAmend(SpoolTest):
    def test_amend_on_5xx_saved_and_replay_is_safe(self):
        self.assertEqual(self.d.client(*LOG).returncode, 0)
        db = self.locked()
        try:
            p = self.d.client("amend", "1", "--risk", "high", "--outcome",
                              "referred")
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("saved locally", p.out)
        f = self.spool()[0]
        self.assertEqual(json.load(open(f))["if_match"], 1)
        copy = os.path.join(self.tmp, "copy.json")
        shutil.copy(f, copy)
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("call 1 amended", p.out)
        # Sent again (its answer lost): 412, but the call already holds
        # those values, so it is done, not refused, and not applied twice.
        shutil.copy(copy, f)
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("already, by an earlier send", p.out)
        r = self.d.request("GET", "/v1/calls/1")
        self.assertEqual((r.json["risk"], r.json["version"]), ("high", 2))
        self.assertEqual(self.spool("rejected"), [])

    def test_amend_moved_on_meanwhile_is_kept_aside(self):
        self.assertEqual(self.d.client(*LOG).returncode, 0)
        db = self.locked()
        try:
            p = self.d.client("amend", "1", "--risk", "high")
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertIn("saved locally", p.out)
        r = self.d.request("PATCH", "/v1/calls/1", {"risk": "low"},
                           headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 1)
        self.assertIn("HTTP 412", p.err)
        self.assertEqual(len(self.spool("rejected")), 1)
        self.assertEqual(self.d.request("GET", "/v1/calls/1").json["risk"],
                         "low")

    def test_amend_while_down_applies_when_sent(self):
        self.assertEqual(self.d.client(*LOG).returncode, 0)
        self.d.stop()
        p = self.d.client("amend", "1", "--outcome", "referred")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("saved locally", p.out)
        self.d.start()
        p = self.d.client("sync")
        self.assertEqual(p.returncode, 0, p.err)
        r = self.d.request("GET", "/v1/calls/1")
        self.assertEqual(r.json["outcome"], "referred")
