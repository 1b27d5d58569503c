"""hotlined_calls_total (the calls by line, caller type and risk) equals
a count of the calls read straight from the SQLite file: after calls of
several lines, caller types and risks, after amendments that move calls
between them, after retention erased personal fields (which moves
nothing), and after a restart, which reads the totals from their rollup
(call_totals, kept by triggers) instead of from every call."""
import re
import sqlite3
import time

from harness import DaemonTest

SAMPLE = re.compile(r'^hotlined_calls_total\{line="([^"]*)",'
                    r'caller_type="([^"]*)",risk="([^"]*)"\} (\d+)$', re.M)


class TestCallsTotal(DaemonTest):
    status = True
    # Personal fields of calls over a day old are erased, from the start.
    retention = "  personal_days = 1;"

    def metric(self):
        """The non-zero samples of /metrics (a series a call left shows
        0 until the next start)."""
        r = self.d.status("/metrics")
        self.assertEqual(r.status, 200, r)
        return {m[:3]: int(m[3]) for m in SAMPLE.findall(r.raw.decode())
                if int(m[3]) > 0}

    def counted(self):
        """The same, counted from the file by another connection."""
        db = sqlite3.connect(self.d.db)
        try:
            return {(a, b, c): n for a, b, c, n in db.execute(
                "SELECT line, caller_type, risk, count(*) FROM calls"
                " GROUP BY 1, 2, 3")}
        finally:
            db.close()

    def post(self, **kw):
        call = {"line": "400", "caller_type": "medic", "topics": ["sleep"],
                "risk": "none", "started_at": "2020-05-01T10:00:00+08:00"}
        call.update(kw)
        r = self.d.post_call(call)
        self.assertEqual(r.status, 201, r)
        return r.json["id"]

    def test_metric_is_the_count_of_the_file(self):
        ids = []
        for i in range(30):
            ids.append(self.post(
                line=("400", "9120", "2325")[i % 3],
                caller_type=("medic", "member", "aid_team", "medic_family")
                [i % 4],
                risk=("none", "low", "moderate", "high")[i % 4 if i % 5
                                                       else 0],
                notes=f"n{i}", started_at="2020-05-%02dT10:00:00+08:00"
                % (1 + i % 28)))
        want = self.counted()
        self.assertEqual(sum(want.values()), 30)
        self.assertGreater(len(want), 8)
        self.assertEqual(self.metric(), want)
        # Amendments move calls between lines, caller types and risks;
        # one changes nothing the metric counts.
        for cid, patch in ((ids[0], {"line": "2325", "risk": "low"}),
                           (ids[1], {"caller_type": "member"}),
                           (ids[2], {"risk": "high"}),
                           (ids[3], {"line": "400", "caller_type": "medic",
                                     "risk": "none"}),
                           (ids[4], {"notes": "改过"}),
                           (ids[0], {"line": "9120"})):
            r = self.d.request("PATCH", f"/v1/calls/{cid}", patch)
            self.assertEqual(r.status, 200, r)
        want = self.counted()
        self.assertEqual(sum(want.values()), 30)
        self.assertEqual(self.metric(), want)
        # Retention erases the calls' personal fields (all of 2020):
        # their counts stay.
        self.d.restart()        # retention runs a second after a start
        deadline = time.time() + 30
        while time.time() < deadline:
            r = self.d.request("GET", f"/v1/calls/{ids[-1]}", who="chen")
            if r.json["personal_erased_at"] is not None:
                break
            time.sleep(0.1)
        self.assertIsNotNone(r.json["personal_erased_at"], r)
        self.assertEqual(self.metric(), want)
        # A restart: the totals read from their rollup, not the calls.
        self.d.restart()
        self.assertEqual(self.metric(), want)
        db = sqlite3.connect(self.d.db)
        try:
            rolled = {(a, b, c): n for a, b, c, n in db.execute(
                "SELECT line, caller_type, risk, calls FROM call_totals"
                " WHERE calls > 0")}
        finally:
            db.close()
        self.assertEqual(rolled, want)
        # And after the restart, new calls and amendments count on.
        self.post(line="9120", caller_type="aid_team", risk="imminent")
        r = self.d.request("PATCH", f"/v1/calls/{ids[5]}", {"risk": "low"})
        self.assertEqual(r.status, 200, r)
        want = self.counted()
        self.assertEqual(sum(want.values()), 31)
        self.assertEqual(self.metric(), want)
