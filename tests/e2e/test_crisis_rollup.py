"""The follow-up and crisis measures stay exact: after every kind of write
(calls with crisis records logged over four local days and across
midnight, amendments of the record, its line, operator, risk and start,
claims, attempts, completions, escalations, a plan ended early, a
handover read, a retention run, a reload that changes an SLA, a reload
into another timezone, restarts, a kill -9, a call deleted in the file),
the `followup` and `crisis` objects of GET /v1/stats, by every
dimension they have alone and in pairs, over whole days, a range off
the hour and whole months, equal what the steps and crisis records
themselves give (worked out here from the store file, in the zone's
local time). And the crisis rollups the triggers keep write by write
equal those hotlined builds from the calls at start-up."""
import datetime
import json
import sqlite3
import time
import urllib.parse
import zoneinfo

from harness import DaemonTest
# The queues (family: an SLA of 2 h at priority 1) and a screener.
from test_followup_stats import QUEUES, SCREENER

PLANS = """plans = (
  { code = "imminent"; name = "极高危随访"; risk_at_least = "imminent";
    queue = "legal"; priority = 1; steps = [ "1d", "2d" ];
    attempts = 2; retry_after = "1h"; },
  { code = "high"; name = "高危随访"; risk_at_least = "high";
    queue = "family"; priority = 1; steps = [ "1d", "3d", "7d" ];
    attempts = 3; retry_after = "1h"; }
);"""
LINES = ["400", "9120", "2325"]
RISKS = ["none", "low", "moderate", "high", "imminent"]
FRAMES = ["72h", "1w", "later"]
AGENCIES = ["110", "120", "119", "family", "workplace", "other"]
OUTCOMES = ["confirmed", "not_confirmed", "pending"]
BANDS = ["0", "1-3", "4-6", "7-10"]
DAY = 86400


def rfc(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def band(v):
    if v is None:
        return "none"
    return "0" if v == 0 else "1-3" if v <= 3 else "4-6" if v <= 6 \
        else "7-10"


def crisis_zero():
    return {"calls": 0,
            "ideation_intensity": dict.fromkeys(BANDS + ["none"], 0),
            "hopelessness": dict.fromkeys(BANDS + ["none"], 0),
            "plan_timeframe": dict.fromkeys(FRAMES, 0),
            "emergencies": 0,
            "emergency_agency": dict.fromkeys(AGENCIES, 0),
            "emergency_outcome": dict.fromkeys(OUTCOMES, 0)}


def crisis_add(acc, c):
    acc["calls"] += 1
    acc["ideation_intensity"][band(c.get("ideation_intensity"))] += 1
    acc["hopelessness"][band(c.get("hopelessness"))] += 1
    if c.get("plan_timeframe") in FRAMES:
        acc["plan_timeframe"][c["plan_timeframe"]] += 1
    e = c.get("emergency")
    if e and e.get("agency"):
        acc["emergencies"] += 1
        acc["emergency_agency"][e["agency"]] += 1
        acc["emergency_outcome"][e["confirmed"]] += 1


def followup_zero():
    return {"steps_due": 0, "done_on_time": 0, "done_late": 0,
            "escalated": 0, "ended_early": 0, "open": 0, "attempts": 0,
            "reached_attempts": 0}


def followup_add(acc, s, window):
    acc["steps_due"] += 1
    acc["attempts"] += s["attempts"]
    if s["escalated_at"] is not None:
        acc["escalated"] += 1
    if s["state"] == "done":
        if s["completed_at"] <= s["due_first"] + window:
            acc["done_on_time"] += 1
        else:
            acc["done_late"] += 1
        acc["reached_attempts"] += s["attempts"]
    elif s["state"] == "cancelled":
        acc["ended_early"] += 1
    else:
        acc["open"] += 1


def followup_json(acc):
    out = dict(acc)
    reached = acc["done_on_time"] + acc["done_late"]
    del out["reached_attempts"]
    out["attempts_per_reached"] = (acc["reached_attempts"] * 10000 //
                                   reached / 10000 if reached else None)
    out["reached_share"] = (reached * 10000 // acc["steps_due"] / 10000
                            if acc["steps_due"] else None)
    return out


class TestCrisisRollupExact(DaemonTest):
    plans = PLANS
    retention = "  personal_days = 1;"
    replace = {"queues": QUEUES}

    def conf_text(self):
        with open(self.d.conf, encoding="utf-8") as f:
            return f.read()

    def zone(self):
        for line in self.conf_text().splitlines():
            if line.startswith("timezone = "):
                return line.split('"')[1]
        return "Asia/Shanghai"

    def family_sla(self):
        return 7200 if 'sla = { p1 = "2h"; }' in self.conf_text() else 1800

    def reload(self, old, new):
        text = self.conf_text()
        self.assertIn(old, text)
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))
        n = self.d.stderr().count("reloaded")
        self.d.proc.send_signal(1)
        deadline = time.time() + 10
        while time.time() < deadline and \
                self.d.stderr().count("reloaded") == n:
            time.sleep(0.1)
        self.assertGreater(self.d.stderr().count("reloaded"), n)

    def label(self, t, unit, tz):
        d = datetime.datetime.fromtimestamp(t, tz)
        return d.strftime({"hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d",
                           "week": "%G-W%V", "month": "%Y-%m"}[unit])

    def read(self):
        """The crisis records and the steps, straight from the file."""
        db = sqlite3.connect(self.d.db)
        try:
            crisis = [{"t": r[0], "line": r[1], "operator": r[2],
                       "risk": r[3], "c": json.loads(r[4])}
                      for r in db.execute(
                          "SELECT started_at, line, operator, risk, crisis"
                          " FROM calls WHERE crisis IS NOT NULL")]
            steps = [{"due_first": r[0], "queue": r[1], "priority": r[2],
                      "state": r[3], "completed_at": r[4],
                      "escalated_at": r[5], "attempts": r[6],
                      "operator": r[7]}
                     for r in db.execute(
                         "SELECT q.due_first, q.queue, q.priority, q.state,"
                         " q.completed_at, q.escalated_at, q.attempts,"
                         " coalesce(q.completed_by, (SELECT a.by FROM"
                         " attempts a WHERE a.item_id = q.id ORDER BY a.id"
                         " DESC LIMIT 1)) FROM queue_items q"
                         " WHERE q.due_first IS NOT NULL")]
        finally:
            db.close()
        return crisis, steps

    def expected(self, rows, dims, lo, hi, kind, now):
        tz = zoneinfo.ZoneInfo(self.zone())
        groups, total = {}, None
        zero, add = (crisis_zero, crisis_add) if kind == "crisis" else \
            (followup_zero, followup_add)
        total = zero()
        for r in rows:
            at = r["t"] if kind == "crisis" else r["due_first"]
            if not lo <= at < hi or (kind == "followup" and at > now):
                continue
            arg = (r["c"],) if kind == "crisis" else (
                r, self.family_sla() if r["queue"] == "family" else DAY)
            add(total, *arg)
            key = tuple(self.label(at, d, tz) if d in
                        ("hour", "day", "week", "month") else r[d]
                        for d in dims)
            add(groups.setdefault(key, zero()), *arg)
        if kind == "followup":
            total = followup_json(total)
            groups = {k: followup_json(v) for k, v in groups.items()}
        return groups, total

    def check_all(self, when):
        """Ask again while the store changes under the questions (the
        timer escalates steps): the last answer must match."""
        for _ in range(10):
            rows = self.read()
            try:
                self.check_rows(when, *rows)
            except AssertionError:
                if self.read() == rows:
                    raise
                continue
            if self.read() == rows:
                return
        self.fail("the store kept changing: %s" % when)

    def check_rows(self, when, crisis, steps):
        bys = {"crisis": ["hour", "day", "week", "month", "line",
                          "operator", "risk", "day,line", "month,risk",
                          "hour,operator", "week,line", "operator,risk",
                          "risk,line"],
               "followup": ["hour", "day", "month", "queue",
                            "operator", "day,queue", "month,operator",
                            "queue,operator"]}
        for lo, hi in ((self.day0, self.day0 + 4 * DAY),
                       (self.day0 + 3600 + 17 * 60,
                        self.day0 + 3 * DAY - 23 * 60),
                       (self.day0 - 70 * DAY, self.day0 + 40 * DAY)):
            rng = "from=%s&to=%s" % (urllib.parse.quote(rfc(lo)),
                                     urllib.parse.quote(rfc(hi)))
            for kind, rows in (("crisis", crisis), ("followup", steps)):
                for by in bys[kind]:
                    what = (when, kind, by, rfc(lo), rfc(hi))
                    now = int(time.time())
                    r = self.d.request("GET", "/v1/stats?%s%s" % (
                        rng, "&by=" + by if by else ""), who="chen")
                    self.assertEqual(r.status, 200, (what, r))
                    dims = by.split(",") if by else []
                    groups, total = self.expected(rows, dims, lo, hi, kind,
                                                  now)
                    got = r.json[kind]
                    count = "calls" if kind == "crisis" else "steps_due"
                    self.assertEqual(got["totals"], total, what)
                    have = {tuple(g[d] for d in dims):
                            {k: v for k, v in g.items() if k not in dims}
                            for g in got["groups"] if g[count] > 0}
                    if dims:
                        self.assertEqual(have, groups, what)

    def rollup_rows(self):
        db = sqlite3.connect(self.d.db)
        try:
            out = {t: db.execute(f"SELECT * FROM {t} WHERE calls <> 0"
                                 " ORDER BY k, line, operator, risk"
                                 ).fetchall()
                   for t in ("crisis_hourly", "crisis_daily",
                             "crisis_monthly")}
            out.update({t: db.execute(
                f"SELECT * FROM {t} WHERE steps <> 0 ORDER BY k, queue,"
                " priority, counselor").fetchall()
                for t in ("followup_hourly", "followup_daily",
                          "followup_monthly")})
            return out
        finally:
            db.close()

    def check_rebuild(self, when):
        """The rows kept write by write are those built from the calls."""
        kept = self.rollup_rows()
        self.assertTrue(kept["crisis_daily"], when)
        self.assertTrue(kept["followup_daily"], when)
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        with db:
            db.execute("DELETE FROM rollup_days_zone")
        db.close()
        self.d.start()
        self.assertIn("building the crisis rollups", self.d.stderr())
        self.assertIn("building the follow-up rollups", self.d.stderr())
        self.assertEqual(self.rollup_rows(), kept, when)

    def post(self, i, t, who):
        c = {"line": LINES[i % 3], "caller_type": "medic",
             "topics": ["other"], "risk": RISKS[(i * 3) % 5],
             "started_at": rfc(t)}
        if i % 3 != 2:
            c["screener"] = SCREENER
            if i % 4:
                c["ideation_intensity"] = (i * 7) % 11
            if i % 5:
                c["hopelessness"] = (i * 3) % 11
            if i % 6 < 3:
                c["plan_timeframe"] = FRAMES[i % 3]
            if i % 4 == 1:
                c["emergency"] = {"agency": AGENCIES[i % 6],
                                  "contacted_at": rfc(t + 300),
                                  "confirmed": OUTCOMES[i % 3]}
        r = self.d.post_call(c, who=who)
        self.assertEqual(r.status, 201, r)
        return r.json

    def patch(self, cid, change):
        """By the call's operator, whose amendments these are."""
        db = sqlite3.connect(self.d.db)
        try:
            who = db.execute("SELECT operator FROM calls WHERE id = ?",
                             (cid,)).fetchone()[0]
        finally:
            db.close()
        r = self.d.request("PATCH", f"/v1/calls/{cid}", change, who=who)
        self.assertEqual(r.status, 200, (cid, change, r))

    def test_every_write_every_question(self):
        tz = zoneinfo.ZoneInfo(self.zone())
        today = datetime.datetime.now(tz).replace(hour=0, minute=0,
                                                  second=0, microsecond=0)
        self.day0 = int((today - datetime.timedelta(days=4)).timestamp())
        offsets = [60, 3600 + 16 * 60, 3600 + 18 * 60, 5 * 3600,
                   DAY - 60, DAY + 30, DAY + 13 * 3600, 2 * DAY - 1,
                   2 * DAY + 7 * 3600 + 59, 3 * DAY - 24 * 60,
                   3 * DAY - 22 * 60, 3 * DAY + 20 * 3600]
        ids = []
        for i, off in enumerate(offsets * 2):
            ids.append(self.post(i, self.day0 + off + (i // 12) * 7,
                                 "wang" if i % 2 else "li")["id"])
        for i in range(100, 160):
            ids.append(self.post(i, self.day0 + (i * 7919) % (4 * DAY),
                                 "wang" if i % 2 else "li")["id"])
        # A month before: whole months answer it.
        for i in range(200, 210):
            ids.append(self.post(i, self.day0 - 40 * DAY + i * 3571,
                                 "li")["id"])
        self.check_all("logged")
        # Amendments: the record's scores, its emergency, the call's
        # line, risk and start (to another day).
        self.patch(ids[0], {"ideation_intensity": 9, "hopelessness": 0})
        self.patch(ids[1], {"emergency": {"confirmed": "confirmed"}})
        self.patch(ids[4], {"emergency": {
            "agency": "119", "contacted_at": rfc(self.day0 + DAY)}})
        self.patch(ids[5], {"line": "2325", "risk": "imminent"})
        self.patch(ids[6], {"started_at": rfc(self.day0 + 2 * DAY + 5)})
        self.patch(ids[7], {"plan_timeframe": "later",
                            "screener": SCREENER})
        self.check_all("amended")
        # The steps fall due from a day after the call is logged: moved
        # five days back in the file, most have (the last still ahead).
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        with db:
            db.execute("UPDATE queue_items SET due_at = due_at - ?,"
                       " due_first = due_first - ? WHERE step IS NOT NULL",
                       (5 * DAY, 5 * DAY))
        db.close()
        self.d.start()
        self.check_all("due")
        # The steps: claims, attempts (one reached, others retried until
        # escalated), a plan ended early.
        for q in ("family", "legal", "family", "legal"):
            r = self.d.request("POST", f"/v1/queues/{q}/claim", who="zhao")
            if r.status != 200:
                continue
            item = r.json["item"] if "item" in r.json else r.json["id"]
            res = "reached" if q == "family" else "no_answer"
            r = self.d.request("POST", f"/v1/queue-items/{item}/attempts",
                               {"result": res}, who="zhao")
            self.assertIn(r.status, (200, 409), r)
        self.assertGreater(self.d.count_rows("attempts"), 0)
        # A claim renewed, then released (handed back), and a step
        # completed as an item.
        for action, body in (("renew", None), ("release", None),
                             ("complete", {"resolution": "已联系"})):
            r = self.d.request("POST", "/v1/queues/family/claim",
                               who="zhao")
            self.assertEqual(r.status, 200, r)
            item = r.json["item"] if "item" in r.json else r.json["id"]
            r = self.d.request("POST", f"/v1/queue-items/{item}/{action}",
                               body, who="zhao")
            self.assertIn(r.status, (200, 409), (action, r))
        plans = [c for c in ids if self.d.request(
            "GET", f"/v1/calls/{c}/plan", who="chen").status == 200]
        self.assertTrue(plans)
        r = self.d.request("POST", f"/v1/calls/{plans[-1]}/plan/end",
                           {"reason": "in_treatment"}, who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.d.request("GET", "/v1/handover",
                                        who="chen").status, 200)
        # The SLA timer (each second) escalates the steps past their SLA:
        # waited for, not raced.
        deadline = time.time() + 30
        while not [s for s in self.read()[1] if s["escalated_at"]]:
            self.assertLess(time.time(), deadline, "no step escalated")
            time.sleep(0.2)
        self.check_all("worked")
        now = time.time()
        steps = [s for s in self.read()[1] if s["due_first"] <= now]
        self.assertTrue({"done", "cancelled", "waiting"} <=
                        {s["state"] for s in steps})
        self.assertTrue([s for s in steps if s["escalated_at"]])
        self.assertTrue([s for s in steps if s["operator"]])
        # A reload shortens the family queue's SLA: the follow-up
        # measures count on time against the new one.
        self.reload('sla = { p1 = "2h"; }', 'sla = { p1 = "30m"; }')
        self.assertEqual(self.family_sla(), 1800)
        self.check_all("sla changed")
        # A start counts them again with the new windows.
        n = self.d.stderr().count("building the follow-up rollups")
        self.d.restart()
        self.assertEqual(self.d.stderr().count(
            "building the follow-up rollups"), n + 1)
        self.check_all("sla changed, restarted")
        self.check_rebuild("worked")
        # A restart: retention erases the personal fields of the calls
        # older than a day (the safety plans with them).
        self.d.restart()
        deadline = time.time() + 30
        while time.time() < deadline and \
                "retention: erased" not in self.d.stderr():
            time.sleep(0.1)
        self.assertIn("retention: erased", self.d.stderr())
        self.check_all("restarted, erased")
        # kill -9 right after stored writes: they are in the rollups.
        ids.append(self.post(300, self.day0 + DAY + 600, "wang")["id"])
        self.patch(ids[8], {"risk": "high", "ideation_intensity": 2})
        self.d.kill9()
        self.d.start()
        self.check_all("killed")
        # A call deleted in the file (by hand, as an operator might):
        # the triggers take it out too.
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        with db:
            cid = db.execute("SELECT id FROM calls WHERE crisis IS NOT NULL"
                             " AND id NOT IN (SELECT call_id FROM"
                             " queue_items WHERE call_id IS NOT NULL)"
                             " ORDER BY id LIMIT 1").fetchone()[0]
            db.execute("DELETE FROM call_topics WHERE call_id = ?", (cid,))
            db.execute("DELETE FROM call_history WHERE call_id = ?", (cid,))
            db.execute("DELETE FROM calls WHERE id = ?", (cid,))
        db.close()
        self.d.start()
        self.check_all("deleted")
        # A call before the local days the rollups know (2000 on): the
        # days and months are marked out of date and read around.
        self.post(304, 928224000, "wang")              # 1999-06-01
        db = sqlite3.connect(self.d.db)
        self.assertEqual(db.execute("SELECT zone FROM rollup_days_zone")
                         .fetchall(), [("",)])
        db.close()
        r = self.d.request("GET", "/v1/stats?from=1999-01-01&to=1999-12-31"
                           "&by=month", who="chen")
        self.assertEqual(r.json["crisis"]["totals"]["calls"], 1, r)
        self.check_all("before 2000")
        # A reload into Kathmandu (+05:45): the days and months count
        # in Shanghai's, so the questions read around them until the
        # next start builds them again.
        self.reload('timezone = "%s";' % self.zone(),
                    'timezone = "Asia/Kathmandu";')
        self.post(301, self.day0 + DAY + 4 * 3600, "li")
        self.check_all("reloaded into Kathmandu")
        self.d.restart()
        self.assertIn("building the crisis rollups (Asia/Kathmandu)",
                      self.d.stderr())
        self.check_all("rebuilt in Kathmandu")
        self.check_rebuild("rebuilt in Kathmandu")
        self.check_all("rebuilt again")
