"""The statistics stay exact where the local days are not 24 hours and
where a wait changes after the first claim: two coded dimensions over
part of a day read the whole day's rollup less the calls of the rest
of it (stats_slice.c), so the day's rows must be that day's alone and
the rollups must count each wait as a read of the items does."""
import datetime
import shutil
import tempfile
import time
import urllib.parse
import zoneinfo

from harness import Daemon, DaemonTest
from test_stats_exact import ExactChecks, rfc

QUEUES = {"queues": """queues = (
  { code = "mhc"; name = "青岛市精神卫生中心"; },
  { code = "legal"; name = "法律服务绿色通道"; },
  { code = "family"; name = "家庭关爱联络"; }
);"""}


def utc(s):
    return int(datetime.datetime.fromisoformat(
        s.replace("Z", "+00:00")).timestamp())


class ZoneTest(ExactChecks, DaemonTest):
    """A daemon in the zone tzname, queues without an SLA."""
    tzname = "Asia/Shanghai"
    replace = QUEUES
    retention = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        self.d = Daemon(self.tmp, self.limits, self.extra,
                        timezone=self.tzname, replace=self.replace,
                        plans=self.plans).start()

    def settled(self):
        """The calls, once two reads a second apart agree."""
        calls = self.calls()
        for _ in range(30):
            time.sleep(1)
            again = self.calls()
            if again == calls:
                return calls
            calls = again
        self.fail("the store kept changing")

    def ask(self, calls, lo, hi, bys):
        for by in bys:
            rng = "from=%s&to=%s" % (urllib.parse.quote(rfc(lo)),
                                     urllib.parse.quote(rfc(hi)))
            what = (self.tzname, ",".join(by), rfc(lo), rfc(hi))
            r = self.d.request("GET", "/v1/stats?%s&by=%s" % (
                rng, ",".join(by)), who="chen")
            self.assertEqual(r.status, 200, (what, r))
            groups, total = self.expected(calls, by, lo, hi)
            self.check_acc(r.json["totals"], total, what)
            got = {tuple(g[d] for d in by): g for g in r.json["groups"]}
            self.assertEqual(sorted(got, key=repr),
                             sorted(groups, key=repr), what)
            for k, g in got.items():
                self.check_acc(g, groups[k], what + (k,))


class TestSkippedMidnight(ZoneTest):
    """America/Santiago, 2026-09-06: the clocks go from 24:00 to 01:00,
    so that local day has no midnight and lasts 23 hours, from 04:00Z
    to 03:00Z the next day."""
    tzname = "America/Santiago"

    def test_pairs_on_the_short_day(self):
        self.assertEqual(self.zone(), self.tzname)
        start = utc("2026-09-04T04:00:00Z")     # 4 September, 00:00
        self.ncalls = 0
        # Every 20 minutes: more than a fold's worth (256), so that most
        # of the days' sums are in the daily rows, not pending.
        for i in range(4 * 72):
            self.post(i, start + i * 1200 + 61,
                      who="wang" if i % 2 else "li")
            self.ncalls += 1
        self.assertLess(self.d.count_rows("stats_pending"), 256)
        calls = self.settled()
        for lo, hi in (("2026-09-06T04:10:00Z", "2026-09-06T16:30:00Z"),
                       ("2026-09-06T04:30:00Z", "2026-09-07T02:30:00Z"),
                       ("2026-09-05T07:00:00Z", "2026-09-07T00:00:00Z"),
                       ("2026-09-05T05:00:00Z", "2026-09-07T20:00:00Z"),
                       ("2026-09-04T06:00:00Z", "2026-09-08T01:00:00Z")):
            self.ask(calls, utc(lo), utc(hi), [["line", "risk"],
                                               ["topic", "caller_type"],
                                               ["line"]])


class TestAttemptMovesTheWait(ZoneTest):
    """A plan's step claimed a minute after it fell due, then a failed
    attempt that makes it due again a second later: the wait (due time
    to first claim) the rollups count follows, as a read of the items
    gives it, and no group without calls is left over."""
    plans = """plans = (
  { code = "imminent"; name = "极高危随访"; risk_at_least = "imminent";
    queue = "family"; priority = 1; steps = [ 1, 600 ];
    attempts = 3; retry_after = 1; }
);"""

    def test_wait_after_an_attempt(self):
        tz = zoneinfo.ZoneInfo(self.tzname)
        today = datetime.datetime.now(tz).replace(hour=0, minute=0,
                                                  second=0, microsecond=0)
        day0 = int((today - datetime.timedelta(days=3)).timestamp())
        self.ncalls = 1
        r = self.d.post_call({"line": "400", "caller_type": "medic",
                              "risk": "imminent", "topics": ["anxiety"],
                              "started_at": rfc(day0 + 7 * 3600)})
        self.assertEqual(r.status, 201, r)
        time.sleep(62)                  # past the first wait bucket
        r = self.d.request("POST", "/v1/queues/family/claim", who="zhao")
        self.assertEqual(r.status, 200, r)
        item = r.json["id"] if "id" in r.json else r.json["item"]["id"]
        r = self.d.request("POST", f"/v1/queue-items/{item}/attempts",
                           {"result": "no_answer"}, who="zhao")
        self.assertIn(r.status, (200, 201), r)
        calls = self.settled()
        # The call at 07:00: in the day's edge, and in the rest of the
        # day that a range from 08:00 subtracts.
        for lo, hi in ((day0 + 3 * 3600, day0 + 23 * 3600),
                       (day0 + 8 * 3600, day0 + 24 * 3600),
                       (day0, day0 + 86400)):
            self.ask(calls, lo, hi, [["line", "risk"], ["line"]])
