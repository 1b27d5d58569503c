"""high_risk_share stays exact when the risk codes counted as high
change. Calls at every risk level over four local days (some of their
daily sums folded, some pending), then: a reload that adds a level above
"high" (no stored call is at it: the rollups take the new codes at
once); a reload whose levels have no
"high", so that the top level alone counts (stored calls change sides:
the rollups keep counting the old way and the questions read the calls
themselves), writes meanwhile, a reload back (the rollups answer again)
and forth; a restart, which builds the rollups again with the config's
codes; and a restart with other levels. After each, every question over
a range of whole days with edges off the hour, over whole days and over
whole months gives each group and the totals the calls, and the
high-risk calls (high_risk_share times calls), that a read of the store
file's calls gives with the config's codes; and the rows kept write by
write equal those built from the calls. A store from before migration
20, which does not say what its rollups count as high: kept when every
row holding the risk counts as the config does, built again when the
config's levels changed or a daily row disagrees."""
import datetime
import re
import sqlite3
import time
import urllib.parse
import zoneinfo

from harness import DaemonTest
from test_stats_exact import (CALLER_TYPES, LINES, RISKS, TOPICS,
                              ExactChecks, rfc)

RANGES = (
    # Whole days, with whole hours and minutes off the hour at the edges.
    (3600 + 17 * 60, 3 * 86400 - 23 * 60),
    # Whole days alone.
    (0, 4 * 86400),
    # Whole months around the calls, and today.
    (-70 * 86400, 40 * 86400),
)
BYS = [["line"], ["risk"], ["topic"], ["operator"], ["hour"], ["day"],
       ["week"], ["month"], ["line", "risk"], ["caller_type", "operator"],
       ["topic", "queue"], ["day", "line"], ["month", "risk"],
       ["hour", "caller_type"], ["week", "topic"]]
CRITICAL = '  { code = "critical"; name = "极高风险"; }'


def risk_levels(text):
    """The risk codes of a config's text, lowest first."""
    block = re.search(r'\nrisk_levels = \((.*?)\n\);', text, re.S).group(1)
    return re.findall(r'code = "([^"]+)"', block)


def counted_high(levels):
    """The codes at "high" or above; the top one when there is no high."""
    return set(levels[levels.index("high"):] if "high" in levels
               else levels[-1:])


def with_levels(text, levels):
    """The config text with these risk levels (the routes' "high" made
    the next level up when there is none)."""
    body = ",\n".join('  { code = "%s"; name = "%s"; }' % (c, c)
                      for c in levels)
    text = re.sub(r'\nrisk_levels = \(.*?\n\);',
                  lambda m: "\nrisk_levels = (\n%s\n);" % body, text,
                  count=1, flags=re.S)
    if "high" not in levels:
        text = text.replace('risk_at_least = "high"',
                            'risk_at_least = "imminent"')
    return text


class TestHighRiskExact(ExactChecks, DaemonTest):
    retention = None
    replace = None

    def setUp(self):
        super().setUp()
        tz = zoneinfo.ZoneInfo(self.zone())
        today = datetime.datetime.now(tz).replace(hour=0, minute=0,
                                                  second=0, microsecond=0)
        self.day0 = int((today - datetime.timedelta(days=4)).timestamp())
        self.ncalls = 0
        self.nposted = 0
        with open(self.d.conf, encoding="utf-8") as f:
            self.text = f.read()

    def config(self):
        with open(self.d.conf, encoding="utf-8") as f:
            return f.read()

    def post(self, t, risk):
        i = self.nposted
        self.nposted += 1
        c = {"line": LINES[i % 3], "caller_type": CALLER_TYPES[i % 5],
             "topics": TOPICS[i % 6], "risk": risk, "started_at": rfc(t)}
        if i % 4:
            c["duration_s"] = 60 * (i + 1)
        r = self.d.post_call(c, who="wang" if i % 2 else "li")
        self.assertEqual(r.status, 201, r)
        self.ncalls += 1
        return r.json["id"]

    def amend(self, cid, risk):
        r = self.d.request("GET", f"/v1/calls/{cid}", who="chen")
        self.assertEqual(r.status, 200, r)
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": risk},
                           who=r.json["operator"])
        self.assertEqual(r.status, 200, (cid, r))

    def log_calls(self):
        """About 300 calls through the four days, a minute either side
        of midnight and of the hours the first range cuts, at every
        level: more than a fold (256), so some sums are still pending."""
        offsets = [60, 3600 + 16 * 60, 3600 + 18 * 60, 5 * 3600,
                   86400 - 60, 86400 + 30, 86400 + 13 * 3600,
                   2 * 86400 - 1, 2 * 86400 + 7 * 3600 + 59,
                   3 * 86400 - 24 * 60, 3 * 86400 - 22 * 60,
                   3 * 86400 + 20 * 3600]
        for i, off in enumerate(offsets * 5):
            self.post(self.day0 + off + i // len(offsets) * 7,
                      RISKS[i % len(RISKS)])
        for i in range(240):
            self.post(self.day0 + (i * 7919) % (4 * 86400),
                      RISKS[(i * 3) % len(RISKS)])
        self.assertGreater(self.d.count_rows("stats_pending"), 0)

    def ids_at(self, risk):
        db = sqlite3.connect(self.d.db)
        try:
            return [r[0] for r in db.execute(
                "SELECT id FROM calls WHERE risk = ? ORDER BY id", (risk,))]
        finally:
            db.close()

    def stored_high(self):
        db = sqlite3.connect(self.d.db)
        try:
            row = db.execute("SELECT risks FROM stats_high").fetchone()
            return row and row[0]
        finally:
            db.close()

    def reload_text(self, text, says):
        n = self.d.stderr().count("reloaded")
        self.reload_with(text, n + 1)
        self.assertIn(says, self.d.stderr().split("reloading")[-1])

    def expected(self, calls, dims, lo, hi, high):
        """Calls and high-risk calls by group, and in total."""
        tz = zoneinfo.ZoneInfo(self.zone())
        groups, total = {}, [0, 0]
        for c in calls:
            if not lo <= c["started_at"] < hi:
                continue
            is_high = c["risk"] in high
            total[0] += 1
            total[1] += is_high
            keys = [()]
            for d in dims:
                if d == "topic":
                    vals = c["topic"]
                elif d == "queue":
                    vals = [c["items"][0][0] if c["items"] else None]
                elif d in ("hour", "day", "week", "month"):
                    vals = [self.label(c["started_at"], d, tz)]
                else:
                    vals = [c[d] or None]
                keys = [k + (v,) for k in keys for v in vals]
            for k in keys:
                g = groups.setdefault(k, [0, 0])
                g[0] += 1
                g[1] += is_high
        return groups, total

    def counts(self, g):
        """Calls and high-risk calls of a group: the share has four
        decimals, so its product with fewer than 5,000 calls rounds to
        the count."""
        return [g["calls"], round(g["high_risk_share"] * g["calls"])]

    def check_high(self, when):
        """Every question against the store file, with the config's
        codes; asked again when the store changed meanwhile."""
        high = counted_high(risk_levels(self.config()))
        for _ in range(10):
            calls = self.calls()
            try:
                self.check_questions(when, calls, high)
            except AssertionError:
                if self.calls() == calls:
                    raise
                continue
            if self.calls() == calls:
                return
        self.fail("the store kept changing: %s" % when)

    def check_questions(self, when, calls, high):
        self.assertEqual(len(calls), self.ncalls, when)
        for a, b in RANGES:
            lo, hi = self.day0 + a, self.day0 + b
            rng = "from=%s&to=%s" % (urllib.parse.quote(rfc(lo)),
                                     urllib.parse.quote(rfc(hi)))
            for by in BYS:
                what = (when, ",".join(by), rng)
                r = self.d.request("GET", "/v1/stats?%s&by=%s" % (
                    rng, ",".join(by)), who="chen")
                self.assertEqual(r.status, 200, (what, r))
                groups, total = self.expected(calls, by, lo, hi, high)
                self.assertEqual(self.counts(r.json["totals"]), total, what)
                got = {tuple(g[d] for d in by): self.counts(g)
                       for g in r.json["groups"] if g["calls"] != 0}
                self.assertEqual(got, {k: v for k, v in groups.items()},
                                 what)

    def log_since(self, mark):
        return self.d.stderr()[mark:]

    def test_levels_change(self):
        self.log_calls()
        self.check_high("logged")
        self.assertEqual(self.stored_high(), '["high","imminent"]')

        # A level above the top: no stored call is at it, so the
        # rollups count with the new codes from the reload on.
        levels = risk_levels(self.text)
        above = with_levels(self.text, levels + ["critical"])
        self.reload_text(above, "no stored call is at a level that "
                         "changed: the statistics rollups count so from "
                         "now on")
        self.assertEqual(self.stored_high(),
                         '["critical","high","imminent"]')
        self.check_high("a level above high")
        for k in range(6):
            self.post(self.day0 + 86400 + 3 * 3600 + k * 4000, "critical")
        for cid in self.ids_at("high")[:3] + self.ids_at("none")[:2]:
            self.amend(cid, "critical")
        self.assertEqual(self.stored_high(),
                         '["critical","high","imminent"]')
        self.check_high("calls at the level above")

        # No "high": the top level alone counts, and the stored calls at
        # high and imminent no longer do. The rollups keep counting the
        # old way; the questions read the calls.
        nohigh = with_levels(self.text, [c for c in levels if c != "high"]
                             + ["critical"])
        self.reload_text(nohigh, "/v1/stats reads the calls themselves "
                         "(exact, slower) until the next start builds "
                         "them again")
        self.check_high("no high")
        for k, risk in enumerate(["imminent", "critical", "moderate",
                                  "critical", "none"]):
            self.post(self.day0 + 2 * 86400 + 5 * 3600 + k * 3000, risk)
        for cid, risk in ((self.ids_at("high")[0], "moderate"),
                          (self.ids_at("imminent")[0], "critical"),
                          (self.ids_at("critical")[0], "low"),
                          (self.ids_at("low")[0], "imminent")):
            self.amend(cid, risk)
        self.assertEqual(self.stored_high(),
                         '["critical","high","imminent"]')
        self.check_high("no high, written")

        # Back: the rollups' own codes again, they answer; and forth.
        self.reload_text(above, "as the statistics rollups count it")
        self.check_high("back to a level above high")
        self.reload_text(nohigh, "reads the calls themselves")
        self.check_high("no high again")

        # A start builds them again with the config's codes.
        mark = len(self.d.stderr())
        self.d.restart()
        log = self.log_since(mark)
        self.assertIn("the statistics rollups count risk critical, high, "
                      "imminent as high, the config critical: building "
                      "them again", log)
        self.assertIn("building the statistics rollups (hourly and daily)",
                      log)
        self.assertIn("statistics rollups built from %d calls"
                      % self.ncalls, log)
        self.assertEqual(self.stored_high(), '["critical"]')
        self.check_high("restarted without high")
        for k, risk in enumerate(["moderate", "critical", "imminent"]):
            self.post(self.day0 + 3 * 86400 + 2 * 3600 + k * 1000, risk)
        self.amend(self.ids_at("critical")[0], "imminent")
        self.check_high("restarted without high, written")
        self.check_rebuild("restarted without high")
        self.check_high("rebuilt without high")

        # A restart with other levels (high back, critical gone): the
        # rollups counted critical alone; built again.
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(self.text)
        mark = len(self.d.stderr())
        self.d.restart()
        log = self.log_since(mark)
        self.assertIn("the statistics rollups count risk critical as "
                      "high, the config high, imminent: building them "
                      "again", log)
        self.assertEqual(self.stored_high(), '["high","imminent"]')
        self.check_high("restarted with high")
        self.amend(self.ids_at("critical")[0], "high")
        self.check_rebuild("restarted with high")
        self.check_high("rebuilt with high")

    def downgrade(self, text=None, sql=None):
        """Stop, take the store back to version 19 (no stats_high), with
        another config or a changed row, and start."""
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        with db:
            db.execute("DROP TABLE stats_high")
            if sql:
                self.assertGreater(db.execute(sql).rowcount, 0)
        db.execute("PRAGMA user_version = 19")
        db.close()
        if text is not None:
            with open(self.d.conf, "w", encoding="utf-8") as f:
                f.write(text)
        mark = len(self.d.stderr())
        self.d.start()
        log = self.log_since(mark)
        self.assertIn("schema migrated from version 19 to 20", log)
        return log

    def test_from_before_the_list(self):
        self.log_calls()
        self.check_high("logged")
        # Counted as the config does: kept, the list remembered.
        log = self.downgrade()
        self.assertIn("the statistics rollups count risk high, imminent "
                      "as high, as the config does (checked)", log)
        self.assertNotIn("building them again", log)
        self.assertNotIn("building the statistics rollups", log)
        self.assertEqual(self.stored_high(), '["high","imminent"]')
        self.check_high("checked")
        # An older hotlined restarted with other levels: the calls at
        # high were counted high before, not after. Built again.
        levels = risk_levels(self.text)
        log = self.downgrade(with_levels(self.text, [
            c for c in levels if c != "high"]))
        self.assertIn("the statistics rollups count high risk otherwise "
                      "than the config (imminent): building them again",
                      log)
        self.assertIn("building the statistics rollups (hourly and daily)",
                      log)
        self.assertEqual(self.stored_high(), '["imminent"]')
        self.check_high("levels changed before the list")
        # A daily row alone that disagrees (the hourly ones agree): built
        # again too.
        log = self.downgrade(sql="UPDATE stats_daily SET high = 0"
                             " WHERE pair = 'line,risk' AND v1 = 'imminent'"
                             " AND calls > 0")
        self.assertIn("otherwise than the config (imminent): building "
                      "them again", log)
        self.check_high("a daily row disagreed")
        self.check_rebuild("from before the list")
