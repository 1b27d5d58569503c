"""Retention: personal fields of calls older than retention.personal_days
are erased by the daemon's job (old calls erased, newer and held calls
kept, history values and resolutions erased, statistics unchanged, the
raw files free of the erased text, nothing erased twice), the legal hold
and who may set it, amendments of an erased call, the client's view, and
bad retention settings."""
import datetime
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from harness import HOTLINED, DEV_CONF, Daemon, DaemonTest, good

CST = datetime.timezone(datetime.timedelta(hours=8))
DAY = 86400
RUN_LINE = re.compile(r"retention: erased the personal fields of (\d+) "
                      r"calls started before (\S+)")

# Texts that must be gone from the records and from the files.
SECRETS = {
    "notes": "旧笔记：夜班后失眠-甲乙丙",
    "notes2": "改过的旧笔记-丁戊己",
    "name": "张旧名字",
    "contact": "13911112222",
    "resolution": "已安排律师回访-庚辛壬",
}
KEPT_NOTES = "新笔记：仍在保留期内-癸"
HELD_NOTES = "保全的笔记-子丑寅"


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, CST).isoformat(
        timespec="seconds")


def wait_for(pred, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


class RetentionTest(DaemonTest):
    retention = "  personal_days = 1;"

    def runs(self):
        """The retention runs logged so far: [(erased, cutoff)]."""
        return [(int(m.group(1)), m.group(2))
                for m in RUN_LINE.finditer(self.d.stderr())]

    def wait_runs(self, n):
        got = wait_for(lambda: len(self.runs()) >= n)
        self.assertTrue(got, "no retention run logged:\n" + self.d.stderr())
        return self.runs()

    def get(self, cid, who="chen"):
        r = self.d.request("GET", f"/v1/calls/{cid}", who=who)
        self.assertEqual(r.status, 200, r)
        return r.json

    def post(self, started, **kw):
        r = self.d.post_call(good(started_at=rfc3339(started), **kw))
        self.assertEqual(r.status, 201, r)
        return r.json["id"]

    def stats(self, lo, hi):
        """Every grouping, from the rollups (whole hours) and from the
        calls (a range that cuts hours)."""
        out = {}
        raw = (urllib.parse.quote(rfc3339(lo + 17 * 60)),
               urllib.parse.quote(rfc3339(hi - 23 * 60)))
        whole = (urllib.parse.quote(rfc3339(lo - lo % 3600)),
                 urllib.parse.quote(rfc3339(hi - hi % 3600 + 3600)))
        for name, (f, t) in (("raw", raw), ("rollup", whole)):
            for by in ("day", "hour", "line", "caller_type", "topic",
                       "risk", "outcome", "operator", "queue",
                       "call_type", "day,risk"):
                r = self.d.request("GET", f"/v1/stats?from={f}&to={t}"
                                   f"&by={by}", who="chen")
                self.assertEqual(r.status, 200, r)
                out[name, by] = r.json
        return out

    def export_rows(self, lo, hi):
        f = urllib.parse.quote(rfc3339(lo))
        t = urllib.parse.quote(rfc3339(hi))
        r = self.d.request("GET", f"/v1/export?from={f}&to={t}&format=csv",
                           who="chen")
        self.assertEqual(r.status, 200, r)
        return r.raw.decode("utf-8-sig").split("\r\n")[1:-1]


class TestErase(RetentionTest):
    def setUp(self):
        super().setUp()
        self.wait_runs(1)       # the start-up run, on an empty store
        now = int(time.time())
        self.lo, self.hi = now - 5 * DAY, now
        self.old = self.post(now - 3 * DAY, notes=SECRETS["notes"],
                             consent=True, caller_name=SECRETS["name"],
                             caller_contact=SECRETS["contact"],
                             caller_number=SECRETS["contact"])
        # Amended: its history holds both notes.
        r = self.d.request("PATCH", f"/v1/calls/{self.old}",
                           {"notes": SECRETS["notes2"], "duration_s": 600})
        self.assertEqual(r.status, 200, r)
        # Routed to the legal desk, followed up and resolved.
        self.done = self.post(now - 4 * DAY, topics=["work"],
                              notes="劳动争议")
        r = self.d.request("POST", "/v1/queues/legal/claim", who="zhao")
        self.assertEqual(r.status, 200, r)
        self.item = r.json["id"]
        r = self.d.request("POST", f"/v1/queue-items/{self.item}/complete",
                           {"resolution": SECRETS["resolution"]}, who="zhao")
        self.assertEqual(r.status, 200, r)
        # Still open: its counselor may need the contact.
        self.open = self.post(now - 3 * DAY, topics=["family"],
                              notes="等待回访", consent=True,
                              caller_contact="13700000000")
        self.held = self.post(now - 3 * DAY, notes=HELD_NOTES)
        r = self.d.request("PATCH", f"/v1/calls/{self.held}",
                           {"legal_hold": True}, who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json["legal_hold"], True)
        self.new = self.post(now - 3600, notes=KEPT_NOTES)
        self.before = self.stats(self.lo, self.hi)
        self.rows = len(self.export_rows(self.lo, self.hi + 60))
        self.d.restart()
        self.erased = self.wait_runs(2)[-1]

    def test_old_erased_new_and_held_kept(self):
        self.assertEqual(self.erased[0], 2, self.d.stderr())
        old = self.get(self.old)
        self.assertIsNotNone(old["personal_erased_at"])
        for f in ("notes", "caller_name", "caller_contact"):
            self.assertNotIn(f, old)
        self.assertEqual(sorted(old["erased"]),
                         ["caller_contact", "caller_name", "notes",
                          "safety_plan"])
        # What the statistics need stays.
        self.assertEqual((old["risk"], old["topics"], old["line"],
                          old["duration_s"]), ("low", ["anxiety"], "400", 600))
        self.assertIs(old["consent"], True)
        self.assertIs(old["legal_hold"], False)
        # The history keeps which fields changed, not their values.
        changes = old["history"][0]["changes"]
        self.assertEqual(changes["notes"], "(erased)")
        self.assertEqual(changes["duration_s"], {"from": None, "to": 600})
        done = self.get(self.done)
        self.assertIsNotNone(done["personal_erased_at"])
        r = self.d.request("GET", f"/v1/queue-items/{self.item}", who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["resolution"])
        self.assertEqual(r.json["state"], "done")
        for cid, notes in ((self.held, HELD_NOTES), (self.new, KEPT_NOTES),
                           (self.open, "等待回访")):
            c = self.get(cid)
            self.assertIsNone(c["personal_erased_at"])
            self.assertNotIn("erased", c)
            self.assertEqual(c["notes"], notes)
        self.assertEqual(self.get(self.open)["caller_contact"],
                         "13700000000")

    def test_statistics_unchanged(self):
        self.assertEqual(self.stats(self.lo, self.hi), self.before)
        rows = self.export_rows(self.lo, self.hi + 60)
        self.assertEqual(len(rows), self.rows)
        mine = [r for r in rows if r.startswith(f"{self.old},")]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0].count("(erased 20"), 3, mine[0])

    def test_files_hold_no_erased_text(self):
        # The run asked the checkpoint thread to cut the WAL; it does so
        # once no reader is in the way.
        wal = os.path.join(self.tmp, "hotline.db-wal")
        self.assertTrue(wait_for(lambda: not os.path.exists(wal) or
                                 os.path.getsize(wal) == 0),
                        self.d.stderr())
        data = b""
        for name in ("hotline.db", "hotline.db-wal"):
            p = os.path.join(self.tmp, name)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    data += f.read()
        # The search works (and a failure does not print the file).
        self.assertTrue(KEPT_NOTES.encode() in data)
        for what, text in SECRETS.items():
            self.assertFalse(text.encode() in data,
                             f"{what} ({text}) is still in the files")

    def test_survives_restart_and_runs_once(self):
        first = self.get(self.old)["personal_erased_at"]
        self.d.restart()
        runs = self.wait_runs(3)
        self.assertEqual(runs[-1][0], 0, self.d.stderr())
        old = self.get(self.old)
        self.assertEqual(old["personal_erased_at"], first)
        self.assertNotIn("notes", old)

    def test_erased_call_amended(self):
        for field, value in (("notes", "x"), ("caller_name", "x"),
                             ("caller_contact", "x"),
                             ("caller_number", "13911112222")):
            r = self.d.request("PATCH", f"/v1/calls/{self.old}",
                               {field: value})
            self.assertError(r, 409, "erased", field)
        # Other fields may change; the erased ones stay erased.
        r = self.d.request("PATCH", f"/v1/calls/{self.old}",
                           {"risk": "high", "notes": None})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["risk"], "high")
        self.assertNotIn("notes", r.json)
        self.assertIsNotNone(r.json["personal_erased_at"])

    def test_hold_cleared_then_erased(self):
        r = self.d.request("PATCH", f"/v1/calls/{self.held}",
                           {"legal_hold": False}, who="chen")
        self.assertEqual(r.status, 200, r)
        hist = r.json["history"] if "history" in r.json else \
            self.get(self.held)["history"]
        self.assertEqual([h["changes"].get("legal_hold") for h in hist],
                         [{"from": False, "to": True},
                          {"from": True, "to": False}])
        self.d.restart()
        self.wait_runs(3)
        held = self.get(self.held)
        self.assertIsNotNone(held["personal_erased_at"])
        self.assertNotIn("notes", held)

    def test_client_shows_erased(self):
        p = self.d.client("show", str(self.old), who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        for label in ("notes", "name", "contact"):
            self.assertRegex(p.out, r"(?m)^  %s +\(erased 20\d\d-\d\d-\d\d\)$"
                             % label)
        self.assertNotIn(SECRETS["notes"], p.out)
        p = self.d.client("show", "--json", str(self.old), who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn('"personal_erased_at"', p.out)


class TestReload(RetentionTest):
    """Retention switched on by a reload runs soon; /status says so."""
    retention = "  personal_days = 0;"
    status = True

    def test_reload_switches_it_on(self):
        st = self.d.status("/status").json["retention"]
        self.assertEqual((st["personal_days"], st["last_run_at"],
                          st["running"]), (0, None, False))
        cid = self.post(int(time.time()) - 3 * DAY, notes=SECRETS["notes"])
        time.sleep(1.5)     # past the start-up run, which does nothing
        self.assertEqual(self.runs(), [])
        self.assertEqual(self.get(cid)["notes"], SECRETS["notes"])
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text.replace("personal_days = 0;",
                                 "personal_days = 1;"))
        self.d.proc.send_signal(signal.SIGHUP)
        self.assertEqual(self.wait_runs(1)[0][0], 1)
        self.assertNotIn("notes", self.get(cid))
        st = wait_for(lambda: (lambda s: s if s["last_run_at"] else None)(
            self.d.status("/status").json["retention"]))
        self.assertEqual((st["personal_days"], st["last_erased"]), (1, 1))
        self.assertIsNotNone(st["last_cutoff"])


class TestLegalHold(DaemonTest):
    def test_who_may_hold(self):
        r = self.d.post_call(good(notes="n"))
        self.assertEqual(r.status, 201, r)
        cid = r.json["id"]
        self.assertIs(r.json["legal_hold"], False)
        self.assertIsNone(r.json["personal_erased_at"])
        for who in ("wang", "zhao"):
            r = self.d.request("PATCH", f"/v1/calls/{cid}",
                               {"legal_hold": True}, who=who)
            self.assertError(r, 403, "forbidden")
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"legal_hold": True}, who="wang")
        self.assertEqual(r.json["field"], "legal_hold")
        # A supervisor holds, and amends nothing else.
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"legal_hold": True, "notes": "x"}, who="chen")
        self.assertError(r, 403, "forbidden", "notes")
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"legal_hold": "yes"}, who="chen")
        self.assertError(r, 400, "invalid_field", "legal_hold")
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"legal_hold": True}, who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json["legal_hold"], True)
        self.assertEqual(r.json["version"], 2)
        # The admin (root on the Unix socket) clears it.
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"legal_hold": False}, unix=True)
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json["legal_hold"], False)
        r = self.d.request("GET", f"/v1/calls/{cid}", who="chen")
        self.assertEqual([(h["amended_by"], h["changes"]) for h in
                          r.json["history"]],
                         [("chen", {"legal_hold": {"from": False,
                                                   "to": True}}),
                          ("root", {"legal_hold": {"from": True,
                                                    "to": False}})])
        # The client: hotline amend --legal-hold, as a supervisor.
        p = self.d.client("amend", "--legal-hold", str(cid), who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"legal hold: no → yes")
        p = self.d.client("amend", "--legal-hold=no", str(cid), who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIs(self.d.request("GET", f"/v1/calls/{cid}",
                                     who="chen").json["legal_hold"], False)
        p = self.d.client("amend", "--legal-hold=maybe", str(cid),
                          who="chen")
        self.assertEqual(p.returncode, 2, p.err)
        p = self.d.client("amend", "--legal-hold", str(cid), who="wang")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("your role may not do this (legal hold)", p.err)
        # Not on a new call.
        r = self.d.post_call(good(legal_hold=True))
        self.assertError(r, 400, "invalid_field", "legal_hold")


class TestConfig(unittest.TestCase):
    def check_bad(self, block, setting):
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        try:
            d = Daemon(tmp, retention=block)
            p = subprocess.run([HOTLINED, "-t", "-c", d.conf], cwd=tmp,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            self.assertEqual(p.returncode, 78, p)
            err = p.stderr.decode()
            self.assertRegex(err, r"hotlined\.conf:\d+: %s" %
                             re.escape(setting))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_bad_settings_exit_78(self):
        self.check_bad("  personal_days = -1;", "retention.personal_days")
        self.check_bad("  personal_days = \"180\";",
                       "retention.personal_days")
        self.check_bad("  personal_days = 99999;",
                       "retention.personal_days")
        self.check_bad("  personal_days = 180;\n  keep = 1;",
                       "retention.keep")

    def test_samples_switch_it_on(self):
        for conf in (DEV_CONF, os.path.join(os.path.dirname(DEV_CONF),
                                            "hotlined.conf")):
            with open(conf, encoding="utf-8") as f:
                text = f.read()
            m = re.search(r"\nretention = \{[^}]*personal_days = (\d+);",
                          text)
            self.assertIsNotNone(m, conf)
            # Three years, as the national guideline asks.
            self.assertEqual(int(m.group(1)), 1095, conf)
            p = subprocess.run([HOTLINED, "-t", "-c", conf],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            self.assertEqual((p.returncode, p.stderr), (0, b""), p)

    def test_short_retention_warned(self):
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        try:
            for days, warned in ((180, True), (1094, True), (1095, False),
                                 (0, False)):
                d = Daemon(tmp, retention="  personal_days = %d;" % days)
                p = subprocess.run([HOTLINED, "-t", "-c", d.conf], cwd=tmp,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=30)
                self.assertEqual(p.returncode, 0, p)
                err = p.stderr.decode()
                if warned:
                    self.assertRegex(err, r"warning: retention\.personal_"
                                     r"days is %d: below the 1095 days "
                                     r"\(three years\).*guideline for "
                                     r"psychological assistance hotlines"
                                     % days)
                else:
                    self.assertNotIn("retention", err)
            d = Daemon(tmp, retention="  personal_days = 180;").start()
            try:
                self.assertIn("retention.personal_days is 180: below the "
                              "1095 days", d.stderr())
            finally:
                d.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class TestGuideline(RetentionTest):
    """The samples' three years: a call 1,094 days old keeps its notes,
    one 1,096 days old loses them."""
    retention = "  personal_days = 1095;"

    def test_kept_three_years(self):
        self.wait_runs(1)
        now = int(time.time())
        young = self.post(now - 1094 * DAY, notes=KEPT_NOTES)
        old = self.post(now - 1096 * DAY, notes=SECRETS["notes"])
        self.d.restart()
        runs = self.wait_runs(2)
        self.assertEqual(runs[-1][0], 1)
        self.assertEqual(self.get(young)["notes"], KEPT_NOTES)
        self.assertNotIn("notes", self.get(old))
        self.assertIn("notes", self.get(old)["erased"])


if __name__ == "__main__":
    unittest.main()
