"""The rollups stay exact: after every kind of write (calls logged over
three local days and across midnight, amendments that move a call between
lines, risks and topics, claims and escalations, idempotent posts sent
again, a restart with a retention run, a reload into another timezone, a
rebuild), every question /v1/stats accepts -- each coded dimension alone,
every pair of them in both orders, each time unit with a coded dimension
-- over whole days, a range off the hour, most of one day and a range
over a midnight, equals what a read of
the calls, topics and items themselves gives (some of the daily and
monthly sums still pending, others folded in) (worked out here from the
store file, in the zone's local time), over whole days, whole months and
a range off the hour. And the rollup rows the daemon
keeps write by write equal those it builds from the calls at start-up."""
import datetime
import sqlite3
import time
import urllib.parse
import zoneinfo

from harness import DaemonTest

CODED = ["line", "caller_type", "topic", "risk", "outcome", "operator",
         "queue", "call_type"]
HIGH = ("high", "imminent")
WAIT_BOUNDS = [60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200,
               10800, 14400, 21600, 43200, 86400, 604800]
LINES = ["400", "9120", "2325"]
CALLER_TYPES = ["medic", "medic_family", "aid_team", "member", "other"]
RISKS = ["none", "low", "moderate", "high", "imminent"]
TOPICS = [["anxiety"], ["sleep", "work"], ["family"], ["grief", "stress"],
          ["legal", "low_mood", "other"], ["infection_fear"]]
OUTCOMES = [None, "counseled", "referred", "hung_up"]


def bucket(wait):
    for i, b in enumerate(WAIT_BOUNDS[:-1]):
        if wait <= b:
            return i
    return len(WAIT_BOUNDS) - 1


def percentile(waits, p):
    if not waits:
        return None
    n = len(waits)
    rank = max(1, -(-p * n // 100))
    seen = 0
    counts = [0] * len(WAIT_BOUNDS)
    for w in waits:
        counts[bucket(w)] += 1
    for i in range(len(WAIT_BOUNDS) - 1):
        seen += counts[i]
        if seen >= rank:
            return WAIT_BOUNDS[i]
    return WAIT_BOUNDS[-1]


def rfc(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ExactChecks:
    """What a read of the store file says each question must answer, and
    the checks against it (test_stats_zones.py uses them too)."""
    retention = "  personal_days = 1;"
    replace = {"queues": """queues = (
  { code = "mhc"; name = "青岛市精神卫生中心"; sla = { p1 = 1; }; },
  { code = "legal"; name = "法律服务绿色通道"; },
  { code = "family"; name = "家庭关爱联络"; }
);"""}

    def zone(self):
        with open(self.d.conf, encoding="utf-8") as f:
            for line in f:
                if line.startswith("timezone = "):
                    return line.split('"')[1]
        return "Asia/Shanghai"

    def calls(self):
        """What the store holds, read straight from its file."""
        db = sqlite3.connect(self.d.db)
        try:
            calls = {r[0]: {"started_at": r[1], "line": r[2],
                            "caller_type": r[3], "risk": r[4],
                            "outcome": r[5], "operator": r[6],
                            "call_type": r[7], "duration_s": r[8],
                            "topic": [], "items": []}
                     for r in db.execute(
                         "SELECT id, started_at, line, caller_type, risk,"
                         " outcome, operator, call_type, duration_s"
                         " FROM calls")}
            for cid, topic in db.execute("SELECT call_id, topic FROM"
                                         " call_topics"):
                calls[cid]["topic"].append(topic)
            for cid, queue, esc, first, due in db.execute(
                    "SELECT call_id, queue, escalated_at, first_claimed_at,"
                    " due_at FROM queue_items ORDER BY id"):
                calls[cid]["items"].append((queue, esc, first, due))
        finally:
            db.close()
        return list(calls.values())

    def label(self, t, unit, tz):
        d = datetime.datetime.fromtimestamp(t, tz)
        if unit == "hour":
            return d.strftime("%Y-%m-%d %H:00")
        if unit == "day":
            return d.strftime("%Y-%m-%d")
        if unit == "week":
            return d.strftime("%G-W%V")
        return d.strftime("%Y-%m")

    def expected(self, calls, dims, lo, hi):
        """The groups with calls, and the totals, from the calls."""
        tz = zoneinfo.ZoneInfo(self.zone())
        groups = {}
        total = {"calls": 0, "dur": 0, "items": 0, "esc": 0, "waits": []}

        def add(acc, c):
            acc["calls"] += 1
            acc["dur"] += max(c["duration_s"] or 0, 0)
            acc["items"] += len(c["items"])
            acc["esc"] += sum(1 for i in c["items"] if i[1] is not None)
            acc["waits"] += [i[2] - i[3] for i in c["items"]
                             if i[2] is not None]

        for c in calls:
            if not lo <= c["started_at"] < hi:
                continue
            add(total, c)
            keys = [()]
            for d in dims:
                if d in CODED:
                    if d == "topic":
                        vals = c["topic"]
                    elif d == "queue":
                        vals = [c["items"][0][0] if c["items"] else None]
                    else:
                        vals = [c[d] or None]
                else:
                    vals = [self.label(c["started_at"], d, tz)]
                keys = [k + (v,) for k in keys for v in vals]
            for k in keys:
                add(groups.setdefault(k, {"calls": 0, "dur": 0, "items": 0,
                                          "esc": 0, "waits": []}), c)
        return groups, total

    def check_acc(self, got, want, what):
        self.assertEqual(
            (got["calls"], got["duration_total_s"], got["follow_ups"],
             got["past_sla"], got["wait_median_s"], got["wait_p90_s"]),
            (want["calls"], want["dur"], want["items"], want["esc"],
             percentile(want["waits"], 50), percentile(want["waits"], 90)),
            what)

    def check_all(self, when):
        """Every kind of question over two ranges, against the calls. The
        daemon escalates items as their SLA passes: when the store
        changed meanwhile, the questions are asked again, a moment later
        (a slow machine may still be escalating what the writes queued)."""
        for _ in range(20):
            calls = self.calls()
            try:
                self.check_calls(when, calls)
            except AssertionError:
                if self.calls() == calls:
                    raise
                time.sleep(0.5)
                continue
            if self.calls() == calls:
                return
            time.sleep(0.5)
        self.fail("the store kept changing: %s" % when)

    def check_calls(self, when, calls):
        self.assertEqual(len(calls), self.ncalls, when)
        bys = [[d] for d in CODED + ["hour", "day", "week", "month"]]
        bys += [[a, b] for i, a in enumerate(CODED) for b in CODED[i + 1:]]
        bys += [["risk", "line"], ["call_type", "topic"],
                ["operator", "queue"], ["day", "line"], ["week", "topic"],
                ["month", "risk"], ["hour", "operator"],
                ["day", "caller_type"]]
        # Whole days; off the hour; whole months around the calls; most
        # of one day; over a midnight with no whole day (each edge, with
        # two coded dimensions, its day less the rest of it).
        for lo, hi in ((self.day0, self.day0 + 4 * 86400),
                       (self.day0 + 3600 + 17 * 60,
                        self.day0 + 3 * 86400 - 23 * 60),
                       (self.day0 - 70 * 86400, self.day0 + 40 * 86400),
                       (self.day0 + 86400 + 1800,
                        self.day0 + 2 * 86400 - 1800),
                       (self.day0 + 86400 + 3 * 3600,
                        self.day0 + 2 * 86400 + 20 * 3600)):
            rng = "from=%s&to=%s" % (urllib.parse.quote(rfc(lo)),
                                     urllib.parse.quote(rfc(hi)))
            for by in bys:
                what = (when, ",".join(by), rng)
                r = self.d.request("GET", "/v1/stats?%s&by=%s" % (
                    rng, ",".join(by)), who="chen")
                self.assertEqual(r.status, 200, (what, r))
                groups, total = self.expected(calls, by, lo, hi)
                self.check_acc(r.json["totals"], total, what)
                got = {tuple(g[d] for d in by): g for g in r.json["groups"]
                       if g["calls"] > 0}
                # Without a time (every bucket shown), no empty group.
                if not set(by) & {"hour", "day", "week", "month"}:
                    self.assertEqual(len(got), len(r.json["groups"]), what)
                self.assertEqual(sorted(got, key=repr),
                                 sorted(groups, key=repr), what)
                for k, g in got.items():
                    self.check_acc(g, groups[k], what + (k,))

    def rollup_rows(self):
        """The rollup rows that hold anything."""
        db = sqlite3.connect(self.d.db)
        try:
            out = {}
            for table, key in (("stats_hourly", "dim, hour, value"),
                               ("stats_daily", "pair, day, v0, v1"),
                               ("stats_monthly", "pair, month, v0, v1")):
                rows = db.execute(f"SELECT * FROM {table} ORDER BY {key}"
                                  ).fetchall()
                nkey = len(key.split(","))
                out[table] = [r for r in rows if any(r[nkey:])]
            return out
        finally:
            db.close()

    def check_rebuild(self, when):
        """The rows kept write by write are those built from the calls."""
        # A start folds what is pending into the daily and monthly rows.
        self.d.restart()
        kept = self.rollup_rows()
        self.assertEqual(self.d.count_rows("stats_pending"), 0, when)
        self.assertTrue(kept["stats_daily"], when)
        self.assertTrue(kept["stats_monthly"], when)
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        with db:
            db.execute("DELETE FROM stats_hourly")
        db.close()
        self.d.start()
        self.assertIn("statistics rollups built from %d calls" %
                      self.ncalls, self.d.stderr())
        self.assertEqual(self.rollup_rows(), kept, when)

    def post(self, i, t, who="wang", key=None):
        c = {"line": LINES[i % 3], "caller_type": CALLER_TYPES[i % 5],
             "topics": TOPICS[i % 6], "risk": RISKS[(i * 3) % 5],
             "started_at": rfc(t)}
        if i % 4:
            c["duration_s"] = 60 * (i + 1)
        if OUTCOMES[i % 4] is not None:
            c["outcome"] = OUTCOMES[i % 4]
        if i % 7 == 3:
            c["outcome"] = "callback"
            c["callback_at"] = rfc(t + 86400)
        r = self.d.post_call(c, who=who, key=key)
        self.assertIn(r.status, (200, 201), r)
        return r.json["id"]


class TestRollupsExact(ExactChecks, DaemonTest):
    def test_every_write_every_question(self):
        # Four local days ending yesterday, in the daemon's zone.
        tz = zoneinfo.ZoneInfo(self.zone())
        today = datetime.datetime.now(tz).replace(hour=0, minute=0,
                                                  second=0, microsecond=0)
        self.day0 = int((today - datetime.timedelta(days=4)).timestamp())
        # Calls through the days, some a minute either side of midnight
        # and of the hours the off-hour range cuts.
        self.ncalls = 0
        offsets = [60, 3600 + 16 * 60, 3600 + 18 * 60, 5 * 3600,
                   86400 - 60, 86400 + 30, 86400 + 13 * 3600,
                   2 * 86400 - 1, 2 * 86400 + 7 * 3600 + 59,
                   3 * 86400 - 24 * 60, 3 * 86400 - 22 * 60,
                   3 * 86400 + 20 * 3600]
        for i, off in enumerate(offsets * 2):
            self.post(i, self.day0 + off + (i // len(offsets)) * 7,
                      who="wang" if i % 2 else "li")
            self.ncalls += 1
        # More than a fold's worth (256): folded while calls are logged.
        for i in range(100, 380):
            self.post(i, self.day0 + (i * 7919) % (4 * 86400),
                      who="wang" if i % 2 else "li")
            self.ncalls += 1
        self.assertLess(self.d.count_rows("stats_pending"), 256)
        self.check_all("logged")
        # Amendments: line, risk and topics change, the items follow.
        for cid, change in ((2, {"line": "2325", "risk": "high"}),
                            (5, {"topics": ["work", "family"]}),
                            (7, {"risk": "none", "topics": ["other"],
                                 "line": "400"}),
                            (11, {"duration_s": 7, "outcome": "referred"})):
            r = self.d.request("PATCH", f"/v1/calls/{cid}", change,
                               who="li" if cid % 2 else "wang")
            self.assertEqual(r.status, 200, (cid, r))
        self.check_all("amended")
        # The same post sent again with its key stores nothing new.
        key = "6f1c2d8e-5a4b-4c3d-9e8f-7a6b5c4d3e2f"
        self.post(40, self.day0 + 2 * 86400 + 600, key=key)
        self.ncalls += 1
        self.post(40, self.day0 + 2 * 86400 + 600, key=key)
        self.check_all("replayed")
        # Claims (waits) and escalations (mhc's SLA is one second).
        for q in ("mhc", "mhc", "legal", "family"):
            r = self.d.request("POST", f"/v1/queues/{q}/claim", who="zhao")
            self.assertIn(r.status, (200, 204), r)
        deadline = time.time() + 15
        while time.time() < deadline:
            mhc = [q for q in self.d.request("GET", "/v1/queues").json[
                "queues"] if q["code"] == "mhc"][0]
            if mhc["past_sla"] >= 1:
                break
            time.sleep(0.2)
        self.assertGreaterEqual(mhc["past_sla"], 1)
        self.check_all("claimed and escalated")
        self.check_rebuild("claimed and escalated")
        # A restart: retention erases the personal fields of the calls
        # of more than a day ago; the coded ones and the sums stay.
        self.d.restart()
        deadline = time.time() + 30
        while time.time() < deadline and \
                "retention: erased" not in self.d.stderr():
            time.sleep(0.1)
        self.assertIn("retention: erased", self.d.stderr())
        self.check_all("restarted, erased")
        # A reload into another zone (Kathmandu, +05:45: no day or hour
        # falls where Shanghai's do): the daily rows no longer answer
        # until the next start builds them again in the new zone.
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text.replace('timezone = "%s";' % self.zone(),
                                 'timezone = "Asia/Kathmandu";'))
        self.assertEqual(self.zone(), "Asia/Kathmandu")
        n = self.d.stderr().count("reloaded")
        self.d.proc.send_signal(1)
        deadline = time.time() + 10
        while time.time() < deadline and self.d.stderr().count(
                "reloaded") == n:
            time.sleep(0.1)
        self.post(30, self.day0 + 86400 + 4 * 3600)
        self.ncalls += 1
        self.check_all("reloaded into Kathmandu")
        self.d.restart()
        self.assertIn("rollups (daily)", self.d.stderr())
        self.check_all("rebuilt in Kathmandu")
        self.check_rebuild("rebuilt in Kathmandu")
        self.check_all("rebuilt again")
