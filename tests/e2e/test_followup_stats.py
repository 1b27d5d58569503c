"""The follow-up and crisis measures of GET /v1/stats with figures worked
out by hand: the plans' steps counted in the month (in the configured
timezone) they first fell due, on time against the queue's SLA for the
step's priority (a day when the queue has none), late, escalated, ended
early, still open, attempts per reached contact and the share reached,
by month, queue and counselor; steps not yet due not counted; the
crisis records of the calls by intensity band, plan time frame,
emergency agency and outcome; the monthly report shows both."""
import datetime
import re
import sqlite3

from harness import DaemonTest, good

PLANS = """plans = (
  { code = "imminent"; name = "极高危随访"; risk_at_least = "imminent";
    queue = "legal"; priority = 1; steps = [ "1d", "2d" ];
    attempts = 3; retry_after = "1h"; },
  { code = "high"; name = "高危随访"; risk_at_least = "high";
    queue = "family"; priority = 1; steps = [ "1d", "3d", "7d" ];
    attempts = 3; retry_after = "1h"; }
);"""
# family: 2 hours at priority 1; legal: no SLA (a day counts as on time).
QUEUES = """queues = (
  { code = "mhc";    name = "青岛市精神卫生中心"; },
  { code = "legal";  name = "法律服务绿色通道"; },
  { code = "family"; name = "家庭关爱联络";
    lease = "30m"; sla = { p1 = "2h"; }; }
);"""
FIRST_DUE = 14     # the migration that keeps a step's first due time
CST = datetime.timezone(datetime.timedelta(hours=8))
SCREENER = {"wish_dead": "yes", "active_thoughts": "yes", "method": "no",
            "intent": "no", "plan": "yes", "behavior": "no"}


def t(s):
    """A Beijing time as UTC seconds."""
    return int(datetime.datetime.fromisoformat(s).replace(tzinfo=CST)
               .timestamp())


class TestFollowupStats(DaemonTest):
    plans = PLANS
    replace = {"queues": QUEUES}

    def steps(self, risk):
        r = self.d.post_call(good(risk=risk, topics=["other"]))
        self.assertEqual(r.status, 201, r)
        return r.json["id"], [i["item"] for i in r.json["queue_items"]
                              if i["kind"].startswith("followup-")]

    def stats(self, by, frm="2026-01-01", to="2026-02-28"):
        r = self.d.request("GET", f"/v1/stats?from={frm}&to={to}&by={by}",
                           who="chen")
        self.assertEqual(r.status, 200, r)
        return r.json

    def setUp(self):
        super().setUp()
        a, (a1, a2, a3) = self.steps("high")
        b, (b1, b2, b3) = self.steps("high")
        _, (d1, d2) = self.steps("imminent")
        self.c, _ = self.steps("high")     # left as made: not yet due
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        rows = [  # item, first due, state, done at, by, attempts, escalated
            (a1, "2026-01-10T10:00", "done", "2026-01-10T11:00", "zhao",
             1, None),
            # Due on 31 January in Beijing (still January), reached 3.5 h
            # later, on 1 February: late, and January's.
            (a2, "2026-01-31T23:30", "done", "2026-02-01T03:00", "zhao",
             3, None),
            # Due 00:30 on 1 February in Beijing (16:30 UTC on 31
            # January): February's; three failed attempts, escalated.
            (a3, "2026-02-01T00:30", "waiting", None, None, 3,
             "2026-02-01T05:00"),
            (b1, "2026-02-05T09:00", "done", "2026-02-05T10:59", "li",
             2, None),
            (b2, "2026-02-10T09:00", "cancelled", "2026-02-08T12:00",
             "chen", 0, None),
            (b3, "2026-02-14T09:00", "cancelled", "2026-02-08T12:00",
             "chen", 0, None),
            # legal has no SLA: a day is on time.
            (d1, "2026-01-05T08:00", "done", "2026-01-05T20:00", "zhao",
             1, None),
            (d2, "2026-01-06T08:00", "done", "2026-01-07T09:00", "li",
             1, None),
        ]
        for item, due, state, done, by, n, esc in rows:
            db.execute("UPDATE queue_items SET due_first = ?, due_at = ?,"
                       " state = ?, completed_at = ?, completed_by = ?,"
                       " attempts = ?, escalated_at = ? WHERE id = ?",
                       (t(due), t(due), state, done and t(done), by, n,
                        esc and t(esc), item))
        # a3's counselor is who tried it last.
        for k, who in enumerate(("zhao", "li", "li")):
            db.execute("INSERT INTO attempts (item_id, call_id, at, by,"
                       " result) VALUES (?, ?, ?, ?, 'no_answer')",
                       (a3, a, t("2026-02-01T01:00") + k * 3600, who))
        db.execute("UPDATE plans SET ended_at = ?, ended_by = 'chen',"
                   " end_reason = 'in_treatment' WHERE call_id = ?",
                   (t("2026-02-08T12:00"), b))
        db.commit()
        db.close()
        self.d.start()

    def test_by_month(self):
        j = self.stats("month")["followup"]
        self.assertEqual(j["by"], ["month"])
        g = {x["month"]: x for x in j["groups"]}
        self.assertEqual(sorted(g), ["2026-01", "2026-02"])
        self.assertEqual(g["2026-01"], {
            "month": "2026-01", "steps_due": 4, "done_on_time": 2,
            "done_late": 2, "escalated": 0, "ended_early": 0, "open": 0,
            "attempts": 6, "attempts_per_reached": 1.5,
            "reached_share": 1.0})
        self.assertEqual(g["2026-02"], {
            "month": "2026-02", "steps_due": 4, "done_on_time": 1,
            "done_late": 0, "escalated": 1, "ended_early": 2, "open": 1,
            "attempts": 5, "attempts_per_reached": 2.0,
            "reached_share": 0.25})
        tot = j["totals"]
        self.assertEqual((tot["steps_due"], tot["done_on_time"],
                          tot["done_late"], tot["attempts_per_reached"],
                          tot["reached_share"]), (8, 3, 2, 1.6, 0.625))
        self.assertEqual(j["on_time_default_s"], 86400)

    def test_by_month_and_queue(self):
        j = self.stats("month,queue")["followup"]
        g = {(x["month"], x["queue"]): x for x in j["groups"]}
        # Every month crossed with every configured queue, in the
        # config's order, like the calls' groups: the empty ones zero.
        self.assertEqual(list(g), [(m, q) for m in ("2026-01", "2026-02")
                                   for q in ("mhc", "legal", "family")])
        for k in (("2026-01", "mhc"), ("2026-02", "mhc"),
                  ("2026-02", "legal")):
            self.assertEqual((g[k]["steps_due"], g[k]["done_on_time"],
                              g[k]["done_late"], g[k]["escalated"],
                              g[k]["ended_early"], g[k]["open"],
                              g[k]["attempts_per_reached"],
                              g[k]["reached_share"]),
                             (0, 0, 0, 0, 0, 0, None, None), k)
        self.assertEqual(sum(x["steps_due"] for x in j["groups"]),
                         j["totals"]["steps_due"])
        jf, jl = g[("2026-01", "family")], g[("2026-01", "legal")]
        self.assertEqual((jf["done_on_time"], jf["done_late"],
                          jf["attempts_per_reached"]), (1, 1, 2.0))
        self.assertEqual((jl["done_on_time"], jl["done_late"],
                          jl["attempts_per_reached"]), (1, 1, 1.0))

    def test_by_counselor(self):
        j = self.stats("month,operator")["followup"]
        g = {(x["month"], x["operator"]): x for x in j["groups"]}
        self.assertEqual(sorted(g), [("2026-01", "li"), ("2026-01", "zhao"),
                                     ("2026-02", "chen"), ("2026-02", "li")])
        self.assertEqual(g[("2026-01", "zhao")]["steps_due"], 3)
        self.assertEqual(g[("2026-01", "li")]["done_late"], 1)
        self.assertEqual(g[("2026-02", "li")]["escalated"], 1)
        self.assertEqual(g[("2026-02", "li")]["open"], 1)
        self.assertEqual(g[("2026-02", "chen")]["ended_early"], 2)

    def test_steps_not_yet_due_do_not_count(self):
        today = datetime.date.today()
        j = self.stats("day", today.isoformat(),
                       (today + datetime.timedelta(days=40)).isoformat())
        self.assertEqual(j["followup"]["totals"]["steps_due"], 0)
        self.assertIsNone(j["followup"]["totals"]["reached_share"])
        # Yet they are there, scheduled.
        p = self.d.request("GET", f"/v1/calls/{self.c}/plan", who="chen")
        self.assertEqual(len(p.json["steps"]), 3)

    def test_report(self):
        p = self.d.client("report", "--month", "2026-01", who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"Follow-up steps due\s+4")
        self.assertRegex(p.out, r"on time\s+2")
        self.assertRegex(p.out, r"late\s+2")
        p = self.d.client("report", "--month", "2026-01", who="chen",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("随访", p.out)


class TestCrisisStats(DaemonTest):
    def log(self, started, **kw):
        body = good(started_at=started + ":00+08:00", **kw)
        r = self.d.post_call(body)
        self.assertEqual(r.status, 201, r)

    def test_bands_timeframes_emergencies(self):
        self.log("2026-01-31T23:30", ideation_intensity=0, hopelessness=5,
                 screener=SCREENER, plan_timeframe="72h",
                 emergency={"agency": "120",
                            "contacted_at": "2026-01-31T23:40:00+08:00"})
        # 00:30 on 1 February in Beijing: February's, though still
        # January in UTC.
        self.log("2026-02-01T00:30", ideation_intensity=3, hopelessness=7,
                 screener=dict(SCREENER, plan="no"),
                 emergency={"agency": "110", "confirmed": "confirmed",
                            "contacted_at": "2026-02-01T00:40:00+08:00"})
        self.log("2026-02-10T10:00", ideation_intensity=10,
                 screener=SCREENER, plan_timeframe="later",
                 emergency={"agency": "family", "confirmed":
                            "not_confirmed",
                            "contacted_at": "2026-02-10T10:10:00+08:00"})
        self.log("2026-02-11T10:00", ideation_intensity=4)
        self.log("2026-02-12T10:00")        # no crisis record
        r = self.d.request("GET", "/v1/stats?from=2026-01-01&to=2026-02-28"
                           "&by=month", who="chen")
        self.assertEqual(r.status, 200, r)
        g = {x["month"]: x for x in r.json["crisis"]["groups"]}
        self.assertEqual(g["2026-01"], {
            "month": "2026-01", "calls": 1,
            "ideation_intensity": {"0": 1, "1-3": 0, "4-6": 0, "7-10": 0,
                                   "none": 0},
            "hopelessness": {"0": 0, "1-3": 0, "4-6": 1, "7-10": 0,
                             "none": 0},
            "plan_timeframe": {"72h": 1, "1w": 0, "later": 0},
            "emergencies": 1,
            "emergency_agency": {"110": 0, "120": 1, "119": 0, "family": 0,
                                 "workplace": 0, "other": 0},
            "emergency_outcome": {"confirmed": 0, "not_confirmed": 0,
                                  "pending": 1}})
        f = g["2026-02"]
        self.assertEqual(f["calls"], 3)
        self.assertEqual(f["ideation_intensity"], {
            "0": 0, "1-3": 1, "4-6": 1, "7-10": 1, "none": 0})
        self.assertEqual(f["hopelessness"], {
            "0": 0, "1-3": 0, "4-6": 0, "7-10": 1, "none": 2})
        self.assertEqual(f["plan_timeframe"], {"72h": 0, "1w": 0,
                                               "later": 1})
        self.assertEqual(f["emergencies"], 2)
        self.assertEqual((f["emergency_agency"]["110"],
                          f["emergency_agency"]["family"]), (1, 1))
        self.assertEqual(f["emergency_outcome"], {
            "confirmed": 1, "not_confirmed": 1, "pending": 0})
        self.assertEqual(r.json["crisis"]["totals"]["calls"], 4)
        # The report says the fixed codes in words.
        p = self.d.client("report", "--month", "2026-02", who="chen",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"计划时间框架 +72 小时内 0, 一周内 0, 更晚 1\n")
        self.assertRegex(p.out, r"紧急联动（按单位） +110（公安） 1, "
                         r"120（急救） 0, 119（消防） 0, 家属 1, 工作单位 0, "
                         r"其他 0\n")
        self.assertRegex(p.out, r"紧急联动（按确认结果） +已确认联系到来电者 1, "
                         r"未能确认 1, 待确认 0\n")
        for code in ("72h", "1w", "later", "family", "not_confirmed",
                     "pending"):
            self.assertNotIn(code, p.out)
        p = self.d.client("report", "--month", "2026-02", who="chen")
        self.assertRegex(p.out, r"plan time frame +within 72 hours 0, "
                         r"within a week 0, later 1\n")
        self.assertRegex(p.out, r"emergencies by outcome +contact with the "
                         r"caller confirmed 1, not confirmed 1, pending 0\n")
        # By risk: the dimensions crisis records have.
        r = self.d.request("GET", "/v1/stats?from=2026-01-01&to=2026-02-28"
                           "&by=risk", who="chen")
        self.assertEqual([(x["risk"], x["calls"]) for x in
                          r.json["crisis"]["groups"]], [("low", 4)])
        # By day and risk: every day crossed with every risk level, in
        # the config's order, the empty ones zero (9 February has none).
        r = self.d.request("GET", "/v1/stats?from=2026-02-09&to=2026-02-11"
                           "&by=day,risk", who="chen")
        self.assertEqual(r.status, 200, r)
        risks = ["none", "low", "moderate", "high", "imminent"]
        groups = r.json["crisis"]["groups"]
        self.assertEqual([(x["day"], x["risk"]) for x in groups],
                         [(d, k) for d in ("2026-02-09", "2026-02-10",
                                           "2026-02-11") for k in risks])
        self.assertEqual([x["calls"] for x in groups],
                         [0] * 5 + [0, 1, 0, 0, 0] + [0, 1, 0, 0, 0])
        self.assertEqual([x["emergencies"] for x in groups],
                         [0] * 6 + [1] + [0] * 8)
        zero = groups[0]
        self.assertEqual((zero["ideation_intensity"], zero["plan_timeframe"],
                          zero["emergency_agency"]["family"]),
                         ({"0": 0, "1-3": 0, "4-6": 0, "7-10": 0, "none": 0},
                          {"72h": 0, "1w": 0, "later": 0}, 0))
        self.assertEqual(groups[6]["ideation_intensity"]["7-10"], 1)
        self.assertEqual(groups[11]["ideation_intensity"]["4-6"], 1)
        # The follow-up side has no risk dimension: by day alone, every
        # day there, with no step.
        self.assertEqual([(x["day"], x["steps_due"]) for x in
                          r.json["followup"]["groups"]],
                         [("2026-02-09", 0), ("2026-02-10", 0),
                          ("2026-02-11", 0)])


# The migrations appended after the first-due one, each as the statements
# that undo it, in the order they were appended (undone last first).
LATER = [
    ["DROP INDEX queue_items_unescalated"],
    ["DROP TRIGGER call_totals_insert", "DROP TRIGGER call_totals_update",
     "DROP TRIGGER call_totals_delete", "DROP TABLE call_totals"],
    ["DROP INDEX queue_items_waiting",
     "CREATE INDEX queue_items_unescalated ON queue_items (due_at, id)"
     " WHERE state = 'waiting' AND escalated_at IS NULL"],
    ["DROP INDEX calls_coded", "DROP INDEX queue_items_call"],
    ["DROP TABLE stats_high"],
]


class TestMigration(DaemonTest):
    """The migration that keeps a step's first due time, on a store made
    before it: untried steps keep their due time, tried ones take their
    first attempt's."""
    plans = PLANS
    replace = {"queues": QUEUES}

    def test_first_due_filled_in(self):
        r = self.d.post_call(good(risk="high", topics=["other"]))
        items = [i["item"] for i in r.json["queue_items"]
                 if i["kind"].startswith("followup-")]
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        version = db.execute("PRAGMA user_version").fetchone()[0]
        due = dict(db.execute("SELECT id, due_at FROM queue_items"))
        db.execute("INSERT INTO attempts (item_id, call_id, at, by, result)"
                   " VALUES (?, ?, 1767225600, 'zhao', 'busy'),"
                   " (?, ?, 1767229200, 'zhao', 'busy')",
                   (items[0], r.json["id"], items[0], r.json["id"]))
        db.execute("UPDATE queue_items SET attempts = 2, due_at = ?"
                   " WHERE id = ?", (1767229200 + 3600, items[0]))
        # As the store was before migration 14 (FIRST_DUE): the
        # migrations after it undone (LATER: one list of statements
        # each; the rollups' tables and triggers, which name the column,
        # found by name), no column, the version before it. They all run
        # again on top.
        for undo in reversed(LATER):
            for sql in undo:
                db.execute(sql)
        for kind, name in db.execute(
                "SELECT type, name FROM sqlite_schema WHERE type IN"
                " ('trigger', 'table') AND (name LIKE 'crisis_%' OR name"
                " LIKE 'followup_%' OR name LIKE 'rollup_days%')"
                " ORDER BY type DESC").fetchall():
            db.execute(f"DROP {kind.upper()} {name}")
        db.execute("DROP INDEX queue_items_due_first")
        db.execute("ALTER TABLE queue_items DROP COLUMN due_first")
        db.execute("PRAGMA user_version = %d" % (FIRST_DUE - 1))
        db.commit()
        db.close()
        self.d.start()
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        got = dict(db.execute("SELECT id, due_first FROM queue_items"))
        self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0],
                         version)
        db.close()
        self.assertEqual(got[items[0]], 1767225600)
        self.assertEqual([got[i] for i in items[1:]],
                         [due[i] for i in items[1:]])
        # The referral routing made is no step: none.
        self.assertEqual([v for k, v in got.items() if k not in items],
                         [None] * (len(got) - len(items)))
        self.d.start()


class TestMetrics(DaemonTest):
    """This month's steps on the status listener's /metrics, read again
    at start (and every 30 s)."""
    plans = PLANS
    replace = {"queues": QUEUES}
    status = True

    def test_month_on_metrics(self):
        r = self.d.post_call(good(risk="high", topics=["other"]))
        s1, s2, s3 = [i["item"] for i in r.json["queue_items"]
                      if i["kind"].startswith("followup-")]
        self.d.stop()
        now = int(datetime.datetime.now(CST).timestamp())
        start = int(datetime.datetime.now(CST).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0).timestamp())
        due = max(start, now - 120)
        db = sqlite3.connect(self.d.db)
        # s1 reached at once after two tries; s2 escalated, still open;
        # s3 not yet due.
        db.execute("UPDATE queue_items SET due_first = ?, state = 'done',"
                   " completed_at = ?, completed_by = 'zhao', attempts = 2"
                   " WHERE id = ?", (due, due + 1, s1))
        db.execute("UPDATE queue_items SET due_first = ?, attempts = 3,"
                   " escalated_at = ? WHERE id = ?", (due, due + 1, s2))
        db.commit()
        db.close()
        self.d.start()
        text = self.d.status("/metrics").raw.decode()
        got = dict(re.findall(
            r'^hotlined_followup_steps_month\{measure="(\w+)"\} (\d+)$',
            text, re.M))
        self.assertEqual(got, {"due": "2", "done_on_time": "1",
                               "done_late": "0", "escalated": "1",
                               "ended_early": "0", "open": "1",
                               "attempts": "5"}, text)

    def test_crisis_month_on_metrics(self):
        now = datetime.datetime.now(CST).replace(microsecond=0)
        start = now.replace(day=1, hour=0, minute=0, second=0)
        at = max(start, now - datetime.timedelta(seconds=60))
        last = start - datetime.timedelta(days=3)

        def post(started, **kw):
            if "emergency" in kw:
                kw["emergency"] = {"agency": kw["emergency"],
                                   "contacted_at": started.isoformat()}
            r = self.d.post_call(good(risk="low", topics=["other"],
                                      started_at=started.isoformat(), **kw))
            self.assertEqual(r.status, 201, r)
        post(at, ideation_intensity=8, emergency="120")
        post(at, ideation_intensity=2, emergency="110")
        post(at, ideation_intensity=7)
        post(at, hopelessness=4)               # ideation not scored
        post(at, emergency="family")           # nor here
        post(at)                               # no crisis record
        post(last, ideation_intensity=9, emergency="119")   # last month
        self.d.restart()                       # read again at start
        text = self.d.status("/metrics").raw.decode()
        bands = dict(re.findall(
            r'^hotlined_crisis_records_month\{ideation="([^"]+)"\} (\d+)$',
            text, re.M))
        self.assertEqual(bands, {"0": "0", "1-3": "1", "4-6": "0",
                                 "7-10": "2", "none": "2"}, text)
        agencies = dict(re.findall(
            r'^hotlined_emergencies_month\{agency="(\w+)"\} (\d+)$',
            text, re.M))
        self.assertEqual(agencies, {"110": "1", "120": "1", "119": "0",
                                    "family": "1", "workplace": "0",
                                    "other": "0"}, text)
        self.assertIn("hotlined_emergencies_pending 4", text)
