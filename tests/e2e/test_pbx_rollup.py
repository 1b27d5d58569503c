"""The phone measures' rollups (pbx_rollup.c) equal a recomputation from
the phone calls' rows after every kind of write: an import, the follower,
the events API (in and out of order, a call moving from one day, line or
operator to another), the join of a logged call, retention; and the
measures /v1/stats gives from them equal those worked out here from the
rows, for every dimension and for ranges that cut hours."""
import datetime
import os
import sqlite3
import struct
import subprocess
import time
from collections import defaultdict
from zoneinfo import ZoneInfo

from harness import HOTLINED, ROOT_ARGS, DaemonTest, good

OFFERED, TALK, ANSWERED, ENDED = 0, 1, 2, 3


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


ZONE = ZoneInfo("Asia/Shanghai")     # conf/dev.conf's timezone


def local_day(t):
    d = datetime.datetime.fromtimestamp(t, ZONE)
    return int(d.replace(hour=0, minute=0, second=0).timestamp())


def recompute(rows):
    """The rollups as the calls' rows give them: per local day, line and
    operator, the hours' records and the whole day's (hour 255)."""
    out = defaultdict(lambda: defaultdict(int))
    for r in rows:
        day = local_day(r["offered_at"])
        key = (day, r["line"] or "", r["operator"] or "")
        wait = r["wait_s"] if r["wait_s"] is not None and r["wait_s"] >= 0 \
            else -1
        for hour in ((r["offered_at"] - day) // 3600, 255):
            out[key][(hour, OFFERED, 0)] += 1
            if r["answered_at"]:
                out[key][(hour, ANSWERED, wait)] += 1
                if r["talk_s"] and r["talk_s"] > 0:
                    out[key][(hour, TALK, 0)] += r["talk_s"]
            elif r["ended_at"]:
                out[key][(hour, ENDED, wait)] += 1
    return {k: {rk: n for rk, n in v.items() if n} for k, v in out.items()}


def decode(blob):
    recs = {}
    for i in range(0, len(blob), 16):
        hour, kind, _, wait, n = struct.unpack_from("<BBHiq", blob, i)
        recs[(hour, kind, wait)] = n
    return recs


class RollupTest(DaemonTest):
    status = True

    def setUp(self):
        super().setUp()
        os.makedirs(os.path.join(self.tmp, "var"), exist_ok=True)
        self.qlog = os.path.join(self.tmp, "var", "queue_log")

    def db(self):
        db = sqlite3.connect(self.d.db)
        db.row_factory = sqlite3.Row
        return db

    def assert_rollups(self):
        db = self.db()
        try:
            rows = [dict(r) for r in db.execute("SELECT * FROM pbx_calls")]
            have, hours_sorted = {}, True
            for r in db.execute("SELECT * FROM pbx_rollup WHERE day >= 0"):
                h, w = decode(r["hours"]), decode(r["days"])
                self.assertTrue(all(k[0] < 24 for k in h), h)
                self.assertTrue(all(k[0] == 255 for k in w), w)
                for recs in (h, w):
                    hours_sorted &= list(recs) == sorted(recs)
                have[(r["day"], r["line"], r["operator"])] = {**h, **w}
            zone = db.execute("SELECT operator FROM pbx_rollup WHERE day = -1"
                              " AND line = 'timezone'").fetchall()
        finally:
            db.close()
        self.assertTrue(rows)
        self.assertEqual(have, recompute(rows))
        self.assertTrue(hours_sorted)
        self.assertEqual([tuple(z) for z in zone], [("Asia/Shanghai",)])
        return rows

    def ev(self, **kw):
        r = self.d.request("POST", "/v1/pbx/events", kw, who="pbx")
        self.assertIn(r.status, (200, 201), r)
        return r

    def measures(self, rows, t0, t1, cf_short=5, cf_sla=20):
        sel = [r for r in rows if t0 <= r["offered_at"] < t1]
        ans = [r for r in sel if r["answered_at"]]
        ended = [r for r in sel if not r["answered_at"] and r["ended_at"]]
        short = [r for r in ended if r["wait_s"] is not None and
                 0 <= r["wait_s"] < cf_short]
        waits = sorted(r["wait_s"] for r in ans if r["wait_s"] is not None
                       and r["wait_s"] >= 0)

        def rank(p):
            if not waits:
                return None
            k = max(1, (len(waits) * p + 99) // 100)
            return waits[k - 1]
        base = len(sel) - len(short)
        return {"offered": len(sel), "answered": len(ans),
                "abandoned": len(ended) - len(short),
                "abandoned_short": len(short),
                "wait_answer_median_s": rank(50),
                "wait_answer_p90_s": rank(90),
                "talk_total_s": sum(r["talk_s"] for r in ans
                                    if r["talk_s"] and r["talk_s"] > 0),
                "answer_rate": (int(len(ans) * 10000 / base) / 10000
                                if base else None)}

    def check_stats(self, rows, t0, t1):
        for by in ("day", "hour", "operator", "month"):
            r = self.d.request("GET", f"/v1/stats?from={at(t0)}&to={at(t1)}"
                               f"&by={by}", who="chen")
            self.assertEqual(r.status, 200, r)
            groups = r.json["phone"]["groups"]
            self.assertEqual(sum(g["offered"] for g in groups),
                             self.measures(rows, t0, t1)["offered"], by)
            if by == "operator":
                for g in groups:
                    sub = [x for x in rows
                           if (x["operator"] or None) == g["operator"]]
                    for k, v in self.measures(sub, t0, t1).items():
                        self.assertEqual(g[k], v, (k, g["operator"]))
        r = self.d.request("GET", f"/v1/stats?from={at(t0)}&to={at(t1)}"
                           "&by=line", who="chen")
        self.assertEqual(r.status, 200, r)
        tot = r.json["phone"]["totals"]
        want = self.measures(rows, t0, t1)
        for k, v in want.items():
            self.assertEqual(tot[k], v, (k, t0, t1))
        for g in r.json["phone"]["groups"]:
            sub = [x for x in rows if (x["line"] or None) == g["line"]]
            for k, v in self.measures(sub, t0, t1).items():
                self.assertEqual(g[k], v, (k, g["line"]))


class TestRollups(RollupTest):
    def test_every_kind_of_write(self):
        now = int(time.time())
        t = now - 3 * 86400 - 1234
        # An import.
        lines = []
        for i in range(40):
            c = t + i * 937
            cid = f"imp{i}"
            q = ("hotline400", "hotline9120")[i % 2]
            lines.append(f"{c}|{cid}|{q}|NONE|ENTERQUEUE||1380000{i:04d}|1")
            if i % 5 == 0:
                lines.append(f"{c + i % 7 + 1}|{cid}|{q}|NONE|ABANDON|1|1|"
                             f"{i % 7 + 1}")
            elif i % 5 == 1:
                lines.append(f"{c + 30}|{cid}|{q}|NONE|EXITWITHTIMEOUT|1|1|30")
            else:
                ag = ("PJSIP/8001", "PJSIP/8002", "PJSIP/9999")[i % 3]
                w = i % 23
                lines.append(f"{c + w}|{cid}|{q}|{ag}|CONNECT|{w}|x|1")
                if i % 4:
                    lines.append(f"{c + w + 60 + i}|{cid}|{q}|{ag}|"
                                 f"COMPLETECALLER|{w}|{60 + i}|1")
        path = os.path.join(self.tmp, "history_log")
        with open(path, "w") as f:
            f.write("".join(x + "\n" for x in lines))
        self.d.stop()
        p = subprocess.run([HOTLINED] + ROOT_ARGS + ["-c", self.d.conf,
                            "--import-queue-log", path], cwd=self.tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.d.start()
        rows = self.assert_rollups()
        self.check_stats(rows, t - 3600, now + 3600)
        self.check_stats(rows, t + 1000, t + 20000)     # cut hours
        day0 = local_day(t)
        self.check_stats(rows, day0, day0 + 2 * 86400)   # whole days
        self.check_stats(rows, day0 + 3600, day0 + 2 * 86400 - 7200)
        # The follower.
        with open(self.qlog, "a") as f:
            f.write("".join(x + "\n" for x in [
                f"{now - 500}|f1|hotline400|NONE|ENTERQUEUE||13900000001|1",
                f"{now - 488}|f1|hotline400|PJSIP/8001|CONNECT|12|x|1",
                f"{now - 300}|f1|hotline400|PJSIP/8001|COMPLETEAGENT|12|188|1",
                f"{now - 400}|f2|hotline9120|NONE|ENTERQUEUE||13900000002|1",
                f"{now - 398}|f2|hotline9120|NONE|ABANDON|1|1|2"]))
        wait_for("f2", lambda: (self.db().execute(
            "SELECT outcome FROM pbx_calls WHERE pbx_id = 'f2'").fetchone()
            or [None])[0] == "abandoned")
        self.assert_rollups()
        # Events out of order: answered before offered (the offered time
        # moves the call to the day before), an agent that moves the call
        # to an operator, an ended call never answered.
        mid = (now // 86400) * 86400
        self.ev(call_id="e1", event="answered", agent="PJSIP/8002",
                at=at(mid + 20), line="400")
        self.assert_rollups()
        self.ev(call_id="e1", event="offered", at=at(mid - 30), line="400",
                caller_number="13900000003")
        self.assert_rollups()
        self.ev(call_id="e1", event="ended", at=at(mid + 200))
        self.ev(call_id="e2", event="offered", line="9120",
                at=at(now - 100))
        self.ev(call_id="e2", event="ended", at=at(now - 40))
        self.ev(call_id="e2", event="ended", at=at(now - 40))   # again
        self.ev(call_id="e3", event="offered", line="400", at=at(now - 90))
        rows = self.assert_rollups()
        self.check_stats(rows, mid - 86400, now + 3600)
        # The join: a logged call pointing at a phone call changes nothing.
        self.ev(call_id="j1", event="offered", line="400",
                at=at(now - 1000), caller_number="13900000004")
        self.ev(call_id="j1", event="answered", agent="PJSIP/8001",
                at=at(now - 990))
        self.ev(call_id="j1", event="ended", at=at(now - 700))
        before = self.assert_rollups()
        r = self.d.request("POST", "/v1/calls",
                           good(pbx_call_id="j1"), who="wang")
        self.assertEqual(r.status, 201, r)
        after = self.assert_rollups()
        self.assertEqual(len(before), len(after))
        self.check_stats(after, t - 3600, now + 3600)


class TestRetentionAndRebuild(RollupTest):
    retention = "  personal_days = 1;"

    def test_retention_and_a_store_from_before(self):
        now = int(time.time())
        for cid, when in (("old", now - 3 * 86400), ("new", now - 3600)):
            self.ev(call_id=cid, event="offered", line="400", at=at(when),
                    caller_number="13899990000")
            self.ev(call_id=cid, event="answered", agent="PJSIP/8001",
                    at=at(when + 7))
        self.assert_rollups()
        self.d.restart()
        wait_for("retention", lambda: self.db().execute(
            "SELECT caller_hash FROM pbx_calls WHERE pbx_id = 'old'")
            .fetchone()[0] is None)
        rows = self.assert_rollups()
        # A store whose rollups are missing (one from before them) gets
        # them built at start.
        self.d.stop()
        db = self.db()
        db.execute("DELETE FROM pbx_rollup")
        db.commit()
        db.close()
        self.d.start()
        self.assertEqual(rows, self.assert_rollups())
        # Rollups kept in another timezone are built again.
        self.d.stop()
        db = self.db()
        db.execute("UPDATE pbx_rollup SET operator = 'UTC' WHERE day = -1")
        db.execute("UPDATE pbx_rollup SET day = day + 3600 WHERE day >= 0")
        db.commit()
        db.close()
        self.d.start()
        self.assertEqual(rows, self.assert_rollups())
        self.check_stats(rows, now - 4 * 86400, now + 3600)
