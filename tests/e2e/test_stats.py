"""Statistics and export against a small fixed data set whose answers are
worked out by hand: every `by` dimension, the timezone's day boundary
(17:30 UTC on 16 February is 17 February in Asia/Shanghai), multi-topic
calls counted under each topic, empty buckets with zeros, waits and SLA
from stored times, the totals row, CSV round trips, roles."""
import csv
import datetime
import io
import json
import os
import sqlite3
import urllib.parse

from harness import DaemonTest

CALLS = [
    # c1: 17 Feb 01:30 local; high: mhc priority 1.
    {"line": "400", "caller_type": "medic", "topics": ["anxiety", "sleep"],
     "risk": "high", "started_at": "2020-02-16T17:30:00Z",
     "duration_s": 600, "outcome": "counseled",
     "notes": "夜班后失眠, \"担心\"\n家人", "consent": True,
     "caller_name": "王", "caller_contact": "138, 0000"},
    # c2: 16 Feb 23:59 local; work: legal.
    {"line": "9120", "caller_type": "medic_family", "topics": ["work"],
     "risk": "low", "started_at": "2020-02-16T15:59:00Z",
     "duration_s": 300},
    # c3: 18 Feb; no route, no duration.
    {"line": "400", "caller_type": "member", "topics": ["sleep"],
     "risk": "none", "started_at": "2020-02-18T01:00:00+08:00"},
    # c4: 17 Feb; grief at moderate: mhc priority 2, plus a callback item.
    {"line": "2325", "caller_type": "aid_team", "topics": ["grief", "family"],
     "risk": "moderate", "started_at": "2020-02-17T10:00:00+08:00",
     "duration_s": 1200, "outcome": "callback",
     "callback_at": "2020-02-18T10:00:00+08:00",
     "risk_assessment": {"desire": "no", "capability": "no",
                         "intent": "no", "buffers": "yes"}},
    # c5: the last second of 17 Feb; imminent: mhc priority 1.
    {"line": "400", "caller_type": "medic", "topics": ["infection_fear"],
     "risk": "imminent", "started_at": "2020-02-17T23:59:59+08:00",
     "duration_s": 900},
]

RANGE = "from=2020-02-16&to=2020-02-18"


class StatsTest(DaemonTest):
    # The queues without an SLA: the calls are of 2020, so c4's callback
    # item (due 18 Feb 2020) is past any SLA, and the SLA timer would
    # escalate it whenever it ran before a read. Escalations here are the
    # stored ones only (c5's, below), whatever the timing.
    replace = {"queues": """queues = (
  { code = "mhc";    name = "青岛市精神卫生中心"; lease = "30m"; },
  { code = "legal";  name = "法律服务绿色通道"; lease = "30m"; },
  { code = "family"; name = "家庭关爱联络"; lease = "30m"; }
);"""}

    def setUp(self):
        super().setUp()
        self.ids = []
        for c in CALLS:
            r = self.d.post_call(c)
            self.assertEqual(r.status, 201, r)
            self.ids.append(r.json["id"])
        # Waits and escalations from stored times: the referral items of
        # c1, c2 and c5 were first claimed 60, 600 and 120 s after they
        # were due; c5's was escalated.
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        with db:
            for call, wait in ((1, 60), (2, 600), (5, 120)):
                db.execute("UPDATE queue_items SET first_claimed_at ="
                           " due_at + ? WHERE call_id = ? AND kind ="
                           " 'referral'", (wait, call))
            db.execute("UPDATE queue_items SET escalated_at = due_at + 900"
                       " WHERE call_id = 5")
            # Changed behind the daemon's back: its rollups are stale.
            # Without them it builds them again from the calls at start.
            db.execute("DELETE FROM stats_hourly")
        db.close()
        self.d.start()

    def stats(self, by, rng=RANGE, who="chen"):
        r = self.d.request("GET", f"/v1/stats?{rng}&by={by}", who=who)
        self.assertEqual(r.status, 200, r)
        return r.json

    def groups(self, res, *dims):
        return {tuple(g[d] for d in dims): g for g in res["groups"]}


class TestStats(StatsTest):
    def test_by_day_across_the_timezone_boundary(self):
        res = self.stats("day")
        self.assertEqual(res["by"], ["day"])
        self.assertEqual(res["timezone"], "Asia/Shanghai")
        self.assertEqual(res["from"], "2020-02-16T00:00:00+08:00")
        self.assertEqual(res["to"], "2020-02-19T00:00:00+08:00")
        g = self.groups(res, "day")
        self.assertEqual(list(g), [("2020-02-16",), ("2020-02-17",),
                                   ("2020-02-18",)])
        d16, d17, d18 = g[("2020-02-16",)], g[("2020-02-17",)], \
            g[("2020-02-18",)]
        self.assertEqual((d16["calls"], d17["calls"], d18["calls"]),
                         (1, 3, 1))
        self.assertEqual((d16["duration_total_s"], d17["duration_total_s"],
                          d18["duration_total_s"]), (300, 2700, 0))
        self.assertEqual((d16["duration_mean_s"], d17["duration_mean_s"],
                          d18["duration_mean_s"]), (300, 900, None))
        self.assertEqual(d17["high_risk_share"], 0.6667)
        self.assertEqual((d16["follow_ups"], d17["follow_ups"],
                          d18["follow_ups"]), (1, 4, 0))
        # 17 Feb: waits 60 (c1) and 120 (c5); c4's items never claimed.
        self.assertEqual((d17["wait_median_s"], d17["wait_p90_s"]),
                         (60, 120))
        self.assertEqual((d16["wait_median_s"], d16["wait_p90_s"]),
                         (600, 600))
        self.assertIsNone(d18["wait_median_s"])
        self.assertEqual(d17["past_sla"], 1)
        t = res["totals"]
        self.assertEqual((t["calls"], t["duration_total_s"],
                          t["duration_mean_s"], t["high_risk_share"],
                          t["follow_ups"], t["wait_median_s"],
                          t["wait_p90_s"], t["past_sla"]),
                         (5, 3000, 750, 0.4, 5, 120, 600, 1))
        for k in ("calls", "duration_total_s", "follow_ups", "past_sla"):
            self.assertEqual(sum(x[k] for x in res["groups"]), t[k], k)

    def test_empty_days_and_lines_are_there_with_zeros(self):
        res = self.stats("day,line", "from=2020-02-10&to=2020-02-18")
        self.assertEqual(len(res["groups"]), 9 * 3)
        g = self.groups(res, "day", "line")
        self.assertEqual(g[("2020-02-12", "9120")]["calls"], 0)
        self.assertEqual(g[("2020-02-12", "9120")]["line_name"],
                         "0532-85669120")
        self.assertEqual(g[("2020-02-17", "400")]["calls"], 2)
        self.assertEqual(g[("2020-02-17", "2325")]["calls"], 1)
        self.assertEqual(g[("2020-02-16", "9120")]["calls"], 1)
        self.assertEqual(g[("2020-02-18", "400")]["calls"], 1)
        self.assertEqual(sum(x["calls"] for x in res["groups"]), 5)
        # Days in order, lines in the config's order within a day.
        self.assertEqual([k for k in g][:3], [("2020-02-10", "400"),
                                              ("2020-02-10", "9120"),
                                              ("2020-02-10", "2325")])

    def test_topics_count_once_under_each(self):
        res = self.stats("topic")
        g = self.groups(res, "topic")
        self.assertEqual({k[0]: v["calls"] for k, v in g.items()},
                         {"anxiety": 1, "sleep": 2, "work": 1, "grief": 1,
                          "family": 1, "infection_fear": 1})
        self.assertEqual(res["totals"]["calls"], 5)
        self.assertIn("multi-valued", res["note"])
        self.assertEqual(g[("sleep",)]["topic_name"], "睡眠问题")
        # c4's two items count under both of its topics.
        self.assertEqual(g[("grief",)]["follow_ups"], 2)
        self.assertEqual(g[("family",)]["follow_ups"], 2)
        self.assertNotIn("note", self.stats("line"))

    def test_every_other_dimension(self):
        def calls(by):
            return {k[0]: v["calls"] for k, v in
                    self.groups(self.stats(by), by).items()}
        self.assertEqual(calls("line"), {"400": 3, "9120": 1, "2325": 1})
        self.assertEqual(calls("caller_type"), {"medic": 2,
                                                "medic_family": 1,
                                                "member": 1, "aid_team": 1})
        self.assertEqual(calls("risk"), {"none": 1, "low": 1, "moderate": 1,
                                         "high": 1, "imminent": 1})
        self.assertEqual(calls("outcome"), {None: 3, "counseled": 1,
                                            "callback": 1})
        self.assertEqual(calls("operator"), {"wang": 5})
        self.assertEqual(calls("queue"), {"mhc": 3, "legal": 1, None: 1})
        self.assertEqual(calls("call_type"), {"counseling": 5})
        self.assertEqual([g["risk"] for g in self.stats("risk")["groups"]],
                         ["none", "low", "moderate", "high", "imminent"])
        q = self.groups(self.stats("queue"), "queue")
        self.assertEqual((q[("mhc",)]["follow_ups"],
                          q[("mhc",)]["wait_median_s"],
                          q[("mhc",)]["wait_p90_s"],
                          q[("mhc",)]["past_sla"]), (4, 60, 120, 1))
        two = self.groups(self.stats("line,risk"), "line", "risk")
        self.assertEqual(two[("400", "high")]["calls"], 1)
        self.assertEqual(sum(g["calls"] for g in two.values()), 5)

    def test_hours_weeks_months(self):
        res = self.stats("hour", "from=2020-02-17&to=2020-02-17")
        self.assertEqual(len(res["groups"]), 24)
        h = {g["hour"]: g["calls"] for g in res["groups"]}
        self.assertEqual(h["2020-02-17 01:00"], 1)
        self.assertEqual(h["2020-02-17 10:00"], 1)
        self.assertEqual(h["2020-02-17 23:00"], 1)
        self.assertEqual(sum(h.values()), 3)
        w = {g["week"]: g["calls"] for g in self.stats("week")["groups"]}
        self.assertEqual(w, {"2020-W07": 1, "2020-W08": 4})
        m = self.stats("month", "from=2020-01-01&to=2020-03-31")["groups"]
        self.assertEqual([(g["month"], g["calls"]) for g in m],
                         [("2020-01", 0), ("2020-02", 5), ("2020-03", 0)])

    def test_large_answers_written_over_many_turns(self):
        # An answer is written a few groups a loop turn (api_stats.c).
        # Ranges of 10 days and k hours, by hour and line: each hour
        # more moves every cut between turns by some hundreds of bytes,
        # so that cuts fall inside a part's groups, between parts and
        # right after a part's head. Each answer is a whole JSON document
        # with every bucket once, in order, and the groups sum to the
        # totals.
        whole = self.stats("line", "from=2020-02-08&to=2020-02-18")
        end = datetime.datetime(2020, 2, 19, tzinfo=datetime.timezone(
            datetime.timedelta(hours=8)))
        for k in range(48):
            lo = end - datetime.timedelta(days=10, hours=k)
            rng = "from=%s&to=%s" % (urllib.parse.quote(lo.isoformat()),
                                     urllib.parse.quote(end.isoformat()))
            r = self.d.request("GET", f"/v1/stats?{rng}&by=hour,line",
                               who="chen")
            self.assertEqual(r.status, 200, r)
            self.assertIsNotNone(r.json, (k, r.raw[-300:]))
            res = r.json
            hours = 240 + k
            keys = [(g["hour"], g["line"]) for g in res["groups"]]
            self.assertEqual(len(keys), hours * 3, k)
            self.assertEqual(len(set(keys)), len(keys), k)
            self.assertEqual([h for h, _ in keys], sorted(h for h, _ in keys))
            self.assertEqual(sum(g["calls"] for g in res["groups"]),
                             res["totals"]["calls"], k)
            self.assertEqual(res["totals"]["calls"], whole["totals"]["calls"])
            for part in ("phone", "followup", "crisis"):
                self.assertIn("totals", res[part], (k, part))
            self.assertEqual(len(res["crisis"]["groups"]), hours * 3, k)
            self.assertEqual(len(res["followup"]["groups"]), hours, k)
        self.assertGreater(len(r.raw), 400000)

    def test_bad_requests_and_roles(self):
        for who in ("wang", "zhao"):
            r = self.d.request("GET", f"/v1/stats?{RANGE}&by=day", who=who)
            self.assertError(r, 403, "forbidden")
            r = self.d.request("GET", f"/v1/export?{RANGE}", who=who)
            self.assertError(r, 403, "forbidden")
        self.assertEqual(self.stats("day", who="chen")["totals"]["calls"], 5)
        for q, field in (("by=day", "from"),
                         ("from=2020-02-16&by=day", "to"),
                         ("from=2020-02-18&to=2020-02-01&by=day", "to"),
                         ("from=yesterday&to=2020-02-18&by=day", "from"),
                         (f"{RANGE}&by=colour", "by"),
                         (f"{RANGE}&by=day,week", "by"),
                         (f"{RANGE}&by=line,line", "by"),
                         (f"{RANGE}&by=day,line,risk", "by"),
                         ("from=2000-01-01&to=2020-01-01&by=hour", "by"),
                         (f"{RANGE}&by=day&colour=red", "colour")):
            r = self.d.request("GET", f"/v1/stats?{q}", who="chen")
            self.assertError(r, 400, "invalid_parameter", field)
        r = self.d.request("GET", f"/v1/export?{RANGE}&format=xls",
                           who="chen")
        self.assertError(r, 400, "invalid_parameter", "format")
        self.assertError(self.d.request("POST", "/v1/stats", {},
                                        who="chen"), 405)
        self.assertEqual(self.d.count_rows("exports"), 0)


class TestRollups(DaemonTest):
    """The rollups follow every write as it happens: what they answer
    equals what the calls themselves give (two coded dimensions, or a
    range off the hour, are read from the calls)."""
    replace = {"queues": """queues = (
  { code = "mhc"; name = "青岛市精神卫生中心"; sla = { p1 = 1; }; },
  { code = "legal"; name = "法律服务绿色通道"; },
  { code = "family"; name = "家庭关爱联络"; }
);"""}

    def test_rollups_equal_the_calls(self):
        import datetime
        import time
        # Yesterday to tomorrow in the daemon's timezone (UTC+8): today's
        # calls, whatever midnight does meanwhile.
        now8 = (datetime.datetime.now(datetime.timezone.utc) +
                datetime.timedelta(hours=8))
        day0 = (now8 - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
        day1 = (now8 + datetime.timedelta(days=1)).strftime("%Y-%m-%d")
        for i, (line, risk, topics) in enumerate([
                ("400", "high", ["sleep"]), ("400", "low", ["work"]),
                ("9120", "moderate", ["anxiety", "family"]),
                ("2325", "none", ["other"]), ("9120", "imminent", ["grief"])]):
            r = self.d.post_call({"line": line, "caller_type": "medic",
                                  "topics": topics, "risk": risk,
                                  "duration_s": 100 * (i + 1)})
            self.assertEqual(r.status, 201, r)
        # An amendment moves a call between lines and risks.
        self.assertEqual(self.d.request("PATCH", "/v1/calls/2", {
            "line": "2325", "risk": "high"}).status, 200)
        # A claim (a wait) and an escalation (SLA of one second).
        r = self.d.request("POST", "/v1/queues/mhc/claim", who="zhao")
        self.assertEqual(r.status, 200, r)
        deadline = time.time() + 10
        while time.time() < deadline:
            q = self.d.request("GET", "/v1/queues").json["queues"][0]
            if q["past_sla"] >= 1:
                break
            time.sleep(0.2)
        self.assertGreaterEqual(q["past_sla"], 1)
        for by, other in (("line", "call_type"), ("risk", "call_type"),
                          ("topic", "call_type"), ("queue", "call_type")):
            rng = f"from={day0}&to={day1}"
            fast = self.d.request("GET", f"/v1/stats?{rng}&by={by}",
                                  who="chen").json
            slow = self.d.request("GET", f"/v1/stats?{rng}&by={by},{other}",
                                  who="chen").json
            self.assertEqual(fast["totals"], slow["totals"], by)
            sums = {}
            for g in slow["groups"]:
                sums.setdefault(g[by], []).append(g)
            for g in fast["groups"]:
                parts = sums.get(g[by], [])
                for k in ("calls", "duration_total_s", "follow_ups",
                          "past_sla"):
                    self.assertEqual(g[k], sum(p[k] for p in parts),
                                     (by, g[by], k))
                if len(parts) == 1:
                    self.assertEqual(g["wait_median_s"],
                                     parts[0]["wait_median_s"])
        t = fast["totals"]
        self.assertEqual((t["calls"], t["duration_total_s"], t["past_sla"]),
                         (5, 1500, 1))
        self.assertIsNotNone(t["wait_median_s"])
        # A range off the hour is read from the calls: the same totals.
        off = self.d.request("GET", f"/v1/stats?from={day0}T00:00:01%2B08:00"
                             f"&to={day1}T23:59:59%2B08:00&by=line",
                             who="chen").json
        self.assertEqual(off["totals"]["calls"], 5)
        fast = self.d.request("GET", f"/v1/stats?from={day0}&to={day1}"
                              "&by=line", who="chen").json
        lines = {g["line"]: g["calls"] for g in fast["groups"]}
        self.assertEqual(lines, {"400": 1, "9120": 2, "2325": 2})


class TestExport(StatsTest):
    def test_csv_round_trip(self):
        r = self.d.request("GET", f"/v1/export?{RANGE}", who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("text/csv"))
        self.assertTrue(r.raw.startswith(b"\xef\xbb\xbf"))
        self.assertIn(b"\r\n", r.raw)
        rows = list(csv.DictReader(io.StringIO(r.raw.decode("utf-8-sig"),
                                               newline="")))
        self.assertEqual(len(rows), 5)
        by_id = {int(x["id"]): x for x in rows}
        c1 = by_id[self.ids[0]]
        self.assertEqual(c1["notes"], "夜班后失眠, \"担心\"\n家人")
        self.assertEqual(c1["caller_contact"], "138, 0000")
        self.assertEqual(c1["caller_name"], "王")
        self.assertEqual(c1["started_at"], "2020-02-17T01:30:00+08:00")
        self.assertEqual((c1["line"], c1["line_name"]),
                         ("400", "400-8692-525"))
        self.assertEqual((c1["topics"], c1["topic_names"]),
                         ("anxiety; sleep", "焦虑; 睡眠问题"))
        self.assertEqual((c1["risk"], c1["risk_name"]), ("high", "高风险"))
        self.assertEqual((c1["queue"], c1["queue_name"], c1["priority"]),
                         ("mhc", "青岛市精神卫生中心", "1"))
        c4 = by_id[self.ids[3]]
        self.assertEqual((c4["outcome_name"], c4["callback_at"],
                          c4["risk_buffers"]),
                         ("约定回访", "2020-02-18T10:00:00+08:00", "yes"))
        self.assertEqual(by_id[self.ids[2]]["duration_s"], "")
        db = sqlite3.connect(self.d.db)
        try:
            rec = db.execute("SELECT by, role, format, rows, finished_at"
                             " IS NOT NULL FROM exports").fetchall()
        finally:
            db.close()
        self.assertEqual(rec, [("chen", "supervisor", "csv", 5, 1)])

    def test_csv_formulas_written_as_text(self):
        # What callers say goes into notes and names: a spreadsheet must
        # not run it. A leading = + - @ (or tab) gets a single quote.
        bad = {"=HYPERLINK(\"http://x\",\"y\")": "'=HYPERLINK(\"http://x\",\"y\")",
               "+86 138 0000": "'+86 138 0000", "-2+3": "'-2+3",
               "@SUM(A1)": "'@SUM(A1)", "\t=1": "'\t=1"}
        ids = {}
        for text in bad:
            r = self.d.post_call({"line": "400", "caller_type": "member",
                                  "topics": ["work"], "risk": "none",
                                  "started_at": "2020-02-17T12:00:00+08:00",
                                  "notes": text, "caller_contact": text,
                                  "consent": True})
            self.assertEqual(r.status, 201, r)
            ids[r.json["id"]] = text
        r = self.d.request("GET", f"/v1/export?{RANGE}", who="chen")
        self.assertEqual(r.status, 200, r)
        rows = list(csv.DictReader(io.StringIO(r.raw.decode("utf-8-sig"),
                                               newline="")))
        by_id = {int(x["id"]): x for x in rows}
        for cid, text in ids.items():
            self.assertEqual(by_id[cid]["notes"], bad[text], text)
            self.assertEqual(by_id[cid]["caller_contact"], bad[text], text)
        # Harmless text is left as it is; JSON is data, never quoted.
        self.assertEqual(by_id[self.ids[0]]["caller_name"], "王")
        r = self.d.request("GET", f"/v1/export?{RANGE}&format=json",
                           who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertIn("=HYPERLINK(", r.raw.decode())
        self.assertNotIn("'=HYPERLINK(", r.raw.decode())

    def test_json_and_many_pages(self):
        for i in range(450):
            self.assertEqual(self.d.post_call(
                {"line": "400", "caller_type": "member", "topics": ["work"],
                 "risk": "none", "started_at": "2020-02-17T12:00:00+08:00",
                 "notes": f"n{i}"}).status, 201)
        r = self.d.request("GET", f"/v1/export?{RANGE}&format=json",
                           who="chen")
        self.assertEqual(r.status, 200, r)
        rows = json.loads(r.raw)
        self.assertEqual(len(rows), 455)
        self.assertEqual(len({x["id"] for x in rows}), 455)
        self.assertEqual(sorted(x["notes"] for x in rows
                                if x["notes"] and x["notes"][0] == "n"),
                         sorted(f"n{i}" for i in range(450)))
        r = self.d.request("GET", f"/v1/export?{RANGE}", who="chen")
        self.assertEqual(len(r.raw.decode("utf-8-sig").split("\r\n")),
                         455 + 2)

    def test_reader_going_away_is_recorded(self):
        import socket
        for i in range(600):
            self.d.post_call({"line": "400", "caller_type": "member",
                              "topics": ["work"], "risk": "none",
                              "started_at": "2020-02-17T12:00:00+08:00",
                              "notes": "x" * 2000})
        s = socket.create_connection(("127.0.0.1", self.d.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(f"GET /v1/export?{RANGE} HTTP/1.1\r\nHost: x\r\n"
                  "Authorization: Bearer dev-supervisor-chen\r\n\r\n"
                  .encode())
        s.recv(1024)
        s.close()
        # The daemon goes on serving, and the export is on record.
        self.assertEqual(self.stats("day")["totals"]["calls"], 605)
        import time
        deadline = time.time() + 10
        while time.time() < deadline:
            if "cut short" in self.d.stderr():
                break
            time.sleep(0.1)
        self.assertIn("cut short: the reader went away", self.d.stderr())


class TestClient(StatsTest):
    def test_stats_table_csv_chart(self):
        p = self.d.client("stats", "--from", "2020-02-16", "--to",
                          "2020-02-18", "--by", "day,line", who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        lines = p.out.splitlines()
        self.assertRegex(lines[0], r"^day +line +CALLS +DURATION +MEAN +"
                         r"HIGH RISK +FOLLOW-UPS +WAIT P50 +WAIT P90 +"
                         r"PAST SLA")
        self.assertEqual(len(lines), 1 + 9 + 1)
        self.assertRegex(lines[-1], r"^total +5 +50m +12m30s +40\.0% +5 +"
                         r"2m +10m +1$")
        self.assertRegex(p.out, r"2020-02-17 +400 \(400-8692-525\) +2 +25m ")
        p = self.d.client("stats", "--from", "2020-02-16", "--to",
                          "2020-02-18", "--by", "topic", "--format", "csv",
                          who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        rows = list(csv.reader(io.StringIO(p.out, newline="")))
        self.assertEqual(rows[0][:3], ["topic", "calls",
                                       "duration_total_s"])
        self.assertEqual(rows[-1][:2], ["total", "5"])
        self.assertEqual(sum(int(r[1]) for r in rows[1:-1]), 7)
        p = self.d.client("stats", "--from", "2020-02-16", "--to",
                          "2020-02-18", "--by", "line", "--chart",
                          who="chen", env={"COLUMNS": "60"})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(p.out.splitlines()[0], "calls by line")
        self.assertRegex(p.out, r"400 \(400-8692-525\) +█+ 3\n")
        bars = {l.split()[0]: l.count("█") for l in p.out.splitlines()[1:]}
        self.assertGreater(bars["400"], bars["9120"])
        p = self.d.client("stats", "--from", "2020-02-16", "--to",
                          "2020-02-18", who="wang")
        self.assertEqual(p.returncode, 1)
        self.assertIn("your role may not do this", p.err)
        p = self.d.client("stats", "--to", "2020-02-18", who="chen")
        self.assertEqual(p.returncode, 2)
        p = self.d.client("stats", "--from", "2020-02-16", "--to",
                          "2020-02-18", "--by", "colour", who="chen")
        self.assertEqual(p.returncode, 1)
        self.assertIn("breakdown (--by): the value is not accepted", p.err)

    def test_export_to_file(self):
        out = os.path.join(self.tmp, "feb.csv")
        p = self.d.client("export", "--from", "2020-02-16", "--to",
                          "2020-02-18", "-o", out, who="chen")
        self.assertEqual((p.returncode, p.out), (0, ""), p.err)
        with open(out, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 5)
        self.assertFalse(os.path.exists(out + ".partial"))
        p = self.d.client("export", "--from", "2020-02-16", "--to",
                          "2020-02-18", "--format", "json", who="chen")
        self.assertEqual(len(json.loads(p.out)), 5)
        bad = os.path.join(self.tmp, "no.csv")
        p = self.d.client("export", "--from", "2020-02-16", "--to",
                          "2020-02-18", "-o", bad, who="wang")
        self.assertEqual(p.returncode, 1)
        self.assertFalse(os.path.exists(bad))
        self.assertFalse(os.path.exists(bad + ".partial"))


class TestReport(StatsTest):
    def test_text_and_html(self):
        p = self.d.client("report", "--month", "2020-02", who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertTrue(p.out.startswith("Psychological support hotline: "
                                         "the report for 2020-02\n"))
        for title in ("Calls per line", "Calls per caller type", "Topics",
                      "Risk", "Follow-ups by queue", "Calls per day",
                      "Busiest hours of the day"):
            self.assertIn("\n" + title, p.out)
        self.assertRegex(p.out, r"400 \(400-8692-525\) +3 +60\.0%\n")
        # 01:30 on the 17th and 01:00 on the 18th; 23:59 twice.
        self.assertRegex(p.out, r"01:00 +2 +40\.0%\n")
        self.assertRegex(p.out, r"10:00 +1 +20\.0%\n")
        self.assertRegex(p.out, r"23:00 +2 +40\.0%\n")
        out = os.path.join(self.tmp, "feb.html")
        p = self.d.client("report", "--month", "2020-02", "--html", out,
                          who="chen")
        self.assertEqual((p.returncode, p.out), (0, ""), p.err)
        import xml.etree.ElementTree as ET
        root = ET.parse(out).getroot()        # well-formed, or it raises
        ns = {"h": "http://www.w3.org/1999/xhtml",
              "s": "http://www.w3.org/2000/svg"}
        # The month's totals (a table), then seven charts, then the
        # follow-up plans and crisis records (tables).
        sections = root.findall(".//h:section", ns)
        self.assertEqual(len(sections), 9)
        self.assertEqual(sections[8].find("h:h2", ns).text,
                         "Follow-up plans")
        self.assertEqual(len(sections[8].findall("h:table", ns)), 3)
        for sec in sections[1:8]:
            self.assertEqual(len(sec.findall("s:svg", ns)), 1,
                             ET.tostring(sec)[:200])
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self.assertNotIn("<script", html)
        self.assertNotIn("http://", html.replace(
            "http://www.w3.org/", ""))
        self.assertRegex(html, r"<td>all calls</td><td>5</td>")
        self.assertRegex(html, r"<td>calls at high risk or above</td>"
                         r"<td>2 \(40\.0%\)</td>")
        self.assertIn("青岛市精神卫生中心", html)
        self.assertFalse(os.path.exists(out + ".partial"))
        for bad in (["--month", "2020-13"], ["--month", "Feb"],
                    ["--month", "2020-02", "--from", "2020-02-01"], []):
            p = self.d.client("report", *bad, who="chen")
            self.assertEqual(p.returncode, 2, bad)
        p = self.d.client("report", "--month", "2020-02", who="wang")
        self.assertEqual(p.returncode, 1)
