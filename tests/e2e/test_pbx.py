"""The phone system's calls: a daemon following an Asterisk queue_log that
the test appends to, rotates, replaces and truncates while it runs, and
restarts mid-file; the same file imported twice; the events API with the
pbx role and bad fields; the join of a logged call to its phone call, the
form's prefill and the answered calls nobody logged; the phone measures
worked out by hand in Asia/Shanghai. Fixtures follow the format of
docs.asterisk.org, "Queue Logs": time|callid|queue|agent|event|data..."""
import glob
import os
import subprocess
import time

from harness import HOTLINED, ROOT_ARGS, DaemonTest, good

# 2020-02-17 01:30 in Asia/Shanghai (17:30 UTC on the 16th).
T0 = 1581874200
# Seven calls, by hand (see test_measures): line 400 on 17 Feb: a answered
# after 12 s (wang, 300 s), b after 25 s (li, 200 s), c hung up after 3 s
# (short), d abandoned after 40 s; line 9120: e answered after 8 s (wang,
# 100 s), f timed out after 60 s; g answered at 23:59 on 16 Feb local.
FIXTURE = [
    f"{T0}|{T0}.1|hotline400|NONE|ENTERQUEUE||13800000001|1",
    f"{T0 + 12}|{T0}.1|hotline400|PJSIP/8001|CONNECT|12|{T0 + 12}.9|3",
    f"{T0 + 312}|{T0}.1|hotline400|PJSIP/8001|COMPLETECALLER|12|300|1",
    f"{T0 + 60}|{T0 + 60}.2|hotline400|NONE|ENTERQUEUE||13800000002|1",
    f"{T0 + 70}|{T0 + 60}.2|hotline400|PJSIP/8001|RINGNOANSWER|10000",
    f"{T0 + 85}|{T0 + 60}.2|hotline400|PJSIP/8002|CONNECT|25|{T0 + 85}.9|15",
    f"{T0 + 285}|{T0 + 60}.2|hotline400|PJSIP/8002|COMPLETEAGENT|25|200|1",
    f"{T0 + 120}|{T0 + 120}.3|hotline400|NONE|ENTERQUEUE||13800000003|1",
    f"{T0 + 123}|{T0 + 120}.3|hotline400|NONE|ABANDON|1|1|3",
    f"{T0 + 180}|{T0 + 180}.4|hotline400|NONE|ENTERQUEUE||13800000004|2",
    f"{T0 + 220}|{T0 + 180}.4|hotline400|NONE|ABANDON|1|2|40",
    f"{T0 + 3600}|{T0 + 3600}.5|hotline9120|NONE|ENTERQUEUE||1380005|1",
    f"{T0 + 3608}|{T0 + 3600}.5|hotline9120|PJSIP/8001|CONNECT|8|x.9|2",
    f"{T0 + 3708}|{T0 + 3600}.5|hotline9120|PJSIP/8001|COMPLETECALLER|8|100|1",
    f"{T0 + 3700}|{T0 + 3700}.6|hotline9120|NONE|ENTERQUEUE||anonymous|1",
    f"{T0 + 3760}|{T0 + 3700}.6|hotline9120|NONE|EXITWITHTIMEOUT|1|1|60",
    f"{T0 - 5460}|{T0 - 5460}.7|hotline400|NONE|ENTERQUEUE||13800000007|1",
    f"{T0 - 5455}|{T0 - 5460}.7|hotline400|PJSIP/8001|CONNECT|5|y.9|1",
    f"{T0 - 5405}|{T0 - 5460}.7|hotline400|PJSIP/8001|COMPLETECALLER|5|50|1",
    f"{T0 - 100}|NONE|hotline400|PJSIP/8001|ADDMEMBER|",
    "this is not a queue_log line",
]


def wait_for(what, fn, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class PbxTest(DaemonTest):
    status = True

    def setUp(self):
        super().setUp()
        self.qdir = os.path.join(self.tmp, "var")
        os.makedirs(self.qdir, exist_ok=True)
        self.qlog = os.path.join(self.qdir, "queue_log")

    def append(self, lines, path=None):
        with open(path or self.qlog, "a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))

    def pbx(self):
        return self.d.status("/status").json["pbx"]

    def rows(self):
        return self.d.count_rows("pbx_calls")

    def events_reach(self, n):
        return wait_for(f"{n} events", lambda: self.pbx()["events"] >= n
                        and self.pbx())

    def call_row(self, pbx_id):
        import sqlite3
        db = sqlite3.connect(self.d.db)
        try:
            db.row_factory = sqlite3.Row
            r = db.execute("SELECT * FROM pbx_calls WHERE pbx_id = ?",
                           (pbx_id,)).fetchone()
            return dict(r) if r else None
        finally:
            db.close()


def call_lines(t, cid, queue="hotline400", agent="PJSIP/8001", wait=10,
               talk=60):
    return [f"{t}|{cid}|{queue}|NONE|ENTERQUEUE||13900000000|1",
            f"{t + wait}|{cid}|{queue}|{agent}|CONNECT|{wait}|z|1",
            f"{t + wait + talk}|{cid}|{queue}|{agent}|COMPLETECALLER|"
            f"{wait}|{talk}|1"]


class TestFollow(PbxTest):
    def test_append_rotate_replace_truncate(self):
        t = int(time.time()) - 7200
        # Before the file exists: said once, then waited for.
        self.append(call_lines(t, "c1"))
        p = self.events_reach(3)
        self.assertEqual(self.rows(), 1)
        self.assertTrue(p["queue_log"]["ok"])
        # A line arriving in two writes is read once it is whole.
        with open(self.qlog, "a") as f:
            f.write(f"{t + 100}|c2|hotline400|NONE|ENTERQUEUE||1390000")
            f.flush()
            time.sleep(1.5)
            self.assertEqual(self.rows(), 1)
            f.write("0000|1\n")
        wait_for("c2", lambda: self.rows() == 2)
        # Rotation (logrotate's create): the old file gets a last line
        # after the rename, then Asterisk opens a new one.
        os.rename(self.qlog, self.qlog + ".1")
        self.append([f"{t + 130}|c2|hotline400|NONE|ABANDON|1|1|30"],
                    self.qlog + ".1")
        self.append(call_lines(t + 200, "c3"))
        wait_for("c3", lambda: self.call_row("c3") and
                 self.call_row("c3")["outcome"] == "answered")
        self.assertEqual(self.call_row("c2")["outcome"], "abandoned")
        # Replaced by another file of the same name (a copy moved over).
        other = os.path.join(self.qdir, "new")
        with open(other, "w") as f:
            f.write("\n".join(call_lines(t + 300, "c4")) + "\n")
        os.rename(other, self.qlog)
        wait_for("c4", lambda: self.call_row("c4") and
                 self.call_row("c4")["outcome"] == "answered")
        # Truncated in place (copytruncate), then written again.
        before = self.pbx()["events"]
        with open(self.qlog, "w"):
            pass
        self.append(call_lines(t + 400, "c5")[:1])
        wait_for("c5", lambda: self.call_row("c5"))
        self.assertEqual(self.pbx()["events"], before + 1)
        self.assertEqual(self.rows(), 5)
        # Nothing was counted twice.
        self.assertEqual(self.pbx()["duplicates"], 0)
        self.assertEqual(self.pbx()["events"], 3 + 1 + 1 + 3 + 3 + 1)

    def test_restart_mid_file_counts_nothing_twice(self):
        t = int(time.time()) - 7200
        self.append(call_lines(t, "r1") + call_lines(t + 50, "r2"))
        self.events_reach(6)
        self.d.stop()
        self.append(call_lines(t + 100, "r3"))
        self.d.start()
        p = self.events_reach(3)
        # Resumed at the stored offset: only the new lines were read.
        self.assertEqual(p["events"], 3)
        self.assertEqual(p["duplicates"], 0)
        self.assertEqual(self.rows(), 3)
        # kill -9 mid-file: the position is in the rows' transaction.
        self.append(call_lines(t + 200, "r4"))
        wait_for("r4", lambda: self.call_row("r4") and
                 self.call_row("r4")["outcome"] == "answered")
        self.d.kill9()
        self.append(call_lines(t + 300, "r5"))
        self.d.start()
        wait_for("r5", lambda: self.call_row("r5") and
                 self.call_row("r5")["outcome"] == "answered")
        self.assertEqual(self.pbx()["duplicates"], 0)
        self.assertEqual(self.rows(), 5)

    def test_reload_follows_another_file(self):
        import signal
        t = int(time.time()) - 7200
        self.append(call_lines(t, "h1"))
        self.events_reach(3)
        other = os.path.join(self.tmp, "other_log")
        self.append(call_lines(t + 100, "h2"), other)
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text.replace('queue_log = "var/queue_log";',
                                 'queue_log = "other_log";'))
        self.d.proc.send_signal(signal.SIGHUP)
        wait_for("h2", lambda: self.call_row("h2") and
                 self.call_row("h2")["outcome"] == "answered")
        # The old file is no longer read; the new one goes on.
        self.append(call_lines(t + 200, "h3"))
        self.append(call_lines(t + 300, "h4"), other)
        wait_for("h4", lambda: self.call_row("h4") and
                 self.call_row("h4")["outcome"] == "answered")
        self.assertIsNone(self.call_row("h3"))
        # A reload that removes it stops following.
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text.replace('  queue_log = "var/queue_log";\n', ''))
        self.d.proc.send_signal(signal.SIGHUP)
        wait_for("no queue_log", lambda: self.pbx()["queue_log"] is None)
        self.assertEqual(self.pbx()["duplicates"], 0)

    def test_bad_lines_are_counted_not_fatal(self):
        t = int(time.time()) - 7200
        self.append(["garbage", "1|2|3", "x" * 5000,
                     f"{t}|u1|unknownqueue|PJSIP/9999|CONNECT|4|a|1",
                     f"{t + 86400 * 400}|u2|hotline400|NONE|ENTERQUEUE||1|1",
                     f"{t}|u3|hotline400|NONE|CONNECT|-4|a|1"]
                    + call_lines(t, "ok1"))
        wait_for("ok1", lambda: self.call_row("ok1") and
                 self.call_row("ok1")["outcome"] == "answered")
        p = self.pbx()
        self.assertEqual(p["refused"], 5, p)
        self.assertEqual(p["unknown_queue"], 1)
        self.assertEqual(p["unknown_agent"], 1)
        self.assertEqual(p["orphans"], 1)
        self.assertEqual(self.call_row("u1")["line"], None)
        self.assertIn("unknownqueue", self.d.stderr())
        # The log names the place of a bad line, never its content.
        self.assertNotIn("13900000000", self.d.stderr())


class TestImportAndMeasures(PbxTest):
    def import_file(self, path):
        p = subprocess.run([HOTLINED] + ROOT_ARGS + ["-c", self.d.conf,
                            "--import-queue-log", path], cwd=self.tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def setUp(self):
        super().setUp()
        self.fixture = os.path.join(self.tmp, "history")
        self.append(FIXTURE, self.fixture)

    def stats(self, rng, by):
        r = self.d.request("GET", f"/v1/stats?{rng}&by={by}", who="chen")
        self.assertEqual(r.status, 200, r)
        return r.json["phone"]

    def test_import_twice(self):
        rc, out, err = self.import_file(self.fixture)
        self.assertEqual(rc, 0, err)
        self.assertIn("19 events applied, 0 already known, 1 not about a "
                      "queued call, 1 lines refused", out)
        rc, out, err = self.import_file(self.fixture)
        self.assertEqual(rc, 0, err)
        self.assertIn("0 events applied, 19 already known", out)
        self.assertEqual(self.rows(), 7)
        rc, out, err = self.import_file(os.path.join(self.tmp, "none"))
        self.assertEqual(rc, 1)
        self.assertIn("none", err)

    def test_measures(self):
        self.assertEqual(self.import_file(self.fixture)[0], 0)
        day = "from=2020-02-17&to=2020-02-17"
        p = self.stats(day, "line")
        self.assertEqual(p["short_abandon_s"], 5)
        self.assertEqual(p["service_level_s"], 20)
        g = {x["line"]: x for x in p["groups"]}
        self.assertEqual(sorted(g), ["400", "9120"])
        want = {
            "400": dict(offered=4, answered=2, abandoned=1,
                        abandoned_short=1, answer_rate=2 / 3,
                        service_level=1 / 3, wait_answer_median_s=12,
                        wait_answer_p90_s=25, talk_total_s=500),
            "9120": dict(offered=2, answered=1, abandoned=1,
                         abandoned_short=0, answer_rate=0.5,
                         service_level=0.5, wait_answer_median_s=8,
                         wait_answer_p90_s=8, talk_total_s=100),
        }
        total = dict(offered=6, answered=3, abandoned=2, abandoned_short=1,
                     answer_rate=0.6, service_level=0.4,
                     wait_answer_median_s=12, wait_answer_p90_s=25,
                     talk_total_s=600)
        for got, exp in [(g["400"], want["400"]), (g["9120"], want["9120"]),
                         (p["totals"], total)]:
            for k, v in exp.items():
                if isinstance(v, float):
                    self.assertAlmostEqual(got[k], v, places=3, msg=k)
                else:
                    self.assertEqual(got[k], v, k)
        # The local day: g (23:59 on the 16th) is not the 17th's.
        p = self.stats("from=2020-02-16&to=2020-02-17", "day")
        self.assertEqual([(x["day"], x["offered"]) for x in p["groups"]],
                         [("2020-02-16", 1), ("2020-02-17", 6)])
        p = self.stats(day, "hour,line")
        self.assertEqual([(x["hour"], x["line"], x["offered"])
                          for x in p["groups"]],
                         [("2020-02-17 01:00", "400", 4),
                          ("2020-02-17 02:00", "9120", 2)])
        p = self.stats(day, "operator")
        self.assertEqual({x["operator"]: (x["offered"], x["answered"])
                          for x in p["groups"]},
                         {None: (3, 0), "li": (1, 1), "wang": (2, 2)})
        for by in ("week", "month"):
            p = self.stats(day, by)
            self.assertEqual(p["groups"][0]["offered"], 6)

    def test_answer_rate_in_the_report(self):
        p = self.d.client("report", "--month", "2020-02", who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"phone answer rate \(hang-ups within "
                         r"seconds aside\) +- *\n")
        self.assertEqual(self.import_file(self.fixture)[0], 0)
        # February: all seven calls; c hung up short, so six count, of
        # which a, b, e and g were answered: 4 of 6.
        p = self.d.client("report", "--month", "2020-02", who="chen")
        self.assertRegex(p.out, r"phone answer rate \(hang-ups within "
                         r"seconds aside\) +66\.7% \(4 of 6\)\n")
        p = self.d.client("report", "--month", "2020-02", who="chen",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertIn("电话接通率（不计数秒内挂断）", p.out)
        self.assertIn("66.7%（4/6）", p.out)

    def test_number_never_in_the_store(self):
        self.assertEqual(self.import_file(self.fixture)[0], 0)
        self.d.request("POST", "/v1/pbx/events", {
            "call_id": "w1", "event": "offered", "line": "400",
            "caller_number": "13812345678"}, who="pbx")
        self.d.stop()
        for path in glob.glob(self.d.db + "*"):
            with open(path, "rb") as f:
                data = f.read()
            for n in (b"13800000001", b"13812345678"):
                self.assertNotIn(n, data, path)
        self.d.start()


class TestEventsAndJoin(PbxTest):
    def post(self, body, who="pbx"):
        return self.d.request("POST", "/v1/pbx/events", body, who=who)

    def test_events_api(self):
        ev = {"call_id": "fs-1", "event": "offered", "line": "9120",
              "caller_number": "139 0000 0000"}
        r = self.post(ev)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["call"]["line"], "9120")
        self.assertTrue(r.json["call"]["caller_known"])
        self.assertNotIn("139", r.raw.decode())
        r = self.post(ev)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["duplicate"])
        # A queue name from the config is its line.
        r = self.post({"call_id": "fs-2", "event": "offered",
                       "line": "hotline2325"})
        self.assertEqual(r.json["call"]["line"], "2325")
        # The pbx role may post events and do nothing else.
        for method, path in (("GET", "/v1/calls"), ("GET", "/v1/schema"),
                             ("GET", "/v1/pbx/unlogged"),
                             ("GET", "/v1/stats?from=2020-01-01&to="
                              "2020-01-02")):
            self.assertError(self.d.request(method, path, who="pbx"), 403,
                             "forbidden")
        self.assertError(self.d.request("POST", "/v1/calls", good(),
                                        who="pbx"), 403, "forbidden")
        for who in ("wang", "chen", "ops"):
            self.assertError(self.post(ev, who=who), 403, "forbidden")
        self.assertError(self.post(ev, who=None), 401)

    def test_bad_fields(self):
        ok = {"call_id": "b1", "event": "answered", "line": "400",
              "agent": "PJSIP/8001", "at": "2020-02-17T01:30:00+08:00"}
        # None: the field left out.
        cases = [
            ({"call_id": None}, "call_id"),
            ({"call_id": ""}, "call_id"),
            ({"call_id": "a b"}, "call_id"),
            ({"call_id": "a|b"}, "call_id"),
            ({"call_id": "x" * 64}, "call_id"),
            ({"call_id": 5}, "call_id"),
            ({"event": "rang"}, "event"),
            ({"event": None}, "event"),
            ({"at": "yesterday"}, "at"),
            ({"at": 1581874200}, "at"),
            ({"at": "2099-01-01T00:00:00Z"}, "at"),
            ({"at": "1990-01-01T00:00:00Z"}, "at"),
            ({"line": "999"}, "line"),
            ({"line": ["400"]}, "line"),
            ({"agent": "PJSIP 8001"}, "agent"),
            ({"caller_number": "12"}, "caller_number"),
            ({"caller_number": "call me"}, "caller_number"),
            ({"caller_number": 13800000000}, "caller_number"),
            ({"colour": "red"}, ""),
        ]
        for change, field in cases:
            body = dict(ok)
            for k, v in change.items():
                if v is None:
                    del body[k]
                else:
                    body[k] = v
            r = self.post(body)
            self.assertEqual(r.status, 400, (change, r))
            self.assertEqual(r.json.get("field", ""), field, (change, r))
        for raw in (b"[]", b"null", b"{", b"\xff"):
            r = self.d.request("POST", "/v1/pbx/events", raw=raw, who="pbx")
            self.assertEqual(r.status, 400, (raw, r))
        self.assertEqual(self.rows(), 0)
        self.assertEqual(self.post(ok).status, 201)

    def phone_call(self, cid, minutes_ago, agent="PJSIP/8001",
                   number="13811112222", talk=240):
        t = int(time.time()) - minutes_ago * 60

        def at(s):
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))
        for ev, when, extra in (
                ("offered", t, {"caller_number": number}),
                ("answered", t + 20, {"agent": agent}),
                ("ended", t + 20 + talk, {})):
            r = self.post(dict({"call_id": cid, "event": ev, "line": "400",
                                "at": at(when)}, **extra))
            self.assertEqual(r.status, 201, r)
        return t

    def test_join_prefill_and_unlogged(self):
        t = self.phone_call("p1", 120)
        t2 = self.phone_call("p2", 90, agent="PJSIP/8002")
        t3 = self.phone_call("p3", 10)      # too recent to count as unlogged
        r = self.d.request("GET", "/v1/pbx/unlogged", who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["count"], 2)
        self.assertEqual([c["pbx_call_id"] for c in r.json["calls"]],
                         ["p1", "p2"])
        self.assertEqual(r.json["calls"][0]["operator"], "wang")
        self.assertNotIn("1381111", r.raw.decode())
        wait_for("unlogged 2", lambda: self.pbx()["unlogged"] == 2)
        metrics = self.d.status("/metrics").raw.decode()
        self.assertIn("hotlined_pbx_unlogged_calls 2\n", metrics)
        # The form's prefill: wang's latest answered, unlogged call.
        r = self.d.request("GET", "/v1/pbx/latest", who="wang")
        self.assertEqual(r.json["pbx_call_id"], "p3")
        # li may not log wang's phone call; nobody may log an unknown one.
        self.assertError(self.d.post_call(good(pbx_call_id="p1"), who="li"),
                         403, "forbidden", "pbx_call_id")
        self.assertError(self.d.post_call(good(pbx_call_id="nope")), 400,
                         "invalid_field", "pbx_call_id")
        r = self.d.post_call(good(pbx_call_id="p1"))
        self.assertEqual(r.status, 201, r)
        c = r.json
        self.assertEqual(c["duration_s"], 240)
        self.assertEqual(c["started_at"], time.strftime(
            "%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(t + 20 + 8 * 3600)))
        self.assertError(self.d.post_call(good(pbx_call_id="p1")), 409,
                         "conflict", "pbx_call_id")
        # The caller hash came from the phone call: the repeat-caller count
        # works without anyone typing the number.
        r = self.d.post_call(good(pbx_call_id="p3"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["repeat_calls"], 1)
        r = self.d.request("GET", "/v1/pbx/unlogged", who="chen")
        self.assertEqual([c["pbx_call_id"] for c in r.json["calls"]], ["p2"])
        wait_for("unlogged 1", lambda: self.pbx()["unlogged"] == 1)
        self.assertEqual(self.call_row("p1")["call_id"], c["id"])
        self.assertEqual(self.d.request("GET", "/v1/pbx/latest",
                                        who="wang").status, 404)
        # "Today" is the day in Asia/Shanghai: shortly after its midnight
        # the calls of two hours ago were yesterday's.
        def day(s):
            return (s + 8 * 3600) // 86400
        now = day(int(time.time()))
        today = self.pbx()["today"]
        if day(int(time.time())) != now:
            return      # midnight passed while asking
        expect = sum(1 for s in (t, t2, t3) if day(s) == now)
        self.assertEqual(today["offered"], expect)
        self.assertEqual(today["answered"], expect)


class TestClient(PbxTest):
    def phone_call(self, cid, minutes_ago, agent="PJSIP/8001"):
        t = int(time.time()) - minutes_ago * 60
        for ev, when, extra in (
                ("offered", t, {"caller_number": "13822223333"}),
                ("answered", t + 15, {"agent": agent}),
                ("ended", t + 615, {})):
            r = self.d.request("POST", "/v1/pbx/events", dict(
                {"call_id": cid, "event": ev, "line": "hotline9120",
                 "at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                     time.gmtime(when))}, **extra),
                who="pbx")
            self.assertEqual(r.status, 201, r)

    def test_unlogged_and_log_pbx(self):
        p = self.d.client("unlogged", who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("every phone call answered more than 30 minutes ago "
                      "is logged", p.out)
        # Nothing waits for wang: --pbx says so and logs nothing.
        p = self.d.client("log", "--pbx", "-c", "medic", "-t", "anxiety",
                          "-r", "low")
        self.assertEqual(p.returncode, 1, p.out)
        self.assertIn("no answered phone call", p.err)
        self.phone_call("cl-1", 60)
        self.phone_call("cl-2", 45, agent="PJSIP/8002")
        p = self.d.client("unlogged", who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("2 phone calls answered more than 30 minutes ago "
                      "were never logged", p.out)
        self.assertIn("cl-1", p.out)
        self.assertIn("0532-85669120", p.out)
        self.assertNotIn("13822223333", p.out)
        p = self.d.client("unlogged", "--limit", "1", who="chen")
        self.assertIn("(the first 1; --limit shows more)", p.out)
        status = ("--status", f"http://127.0.0.1:{self.d.status_port}",
                  "status")
        p = wait_for("the status", lambda: (lambda q: "WARNING 2 answered"
                     in q.out and q)(self.d.client(*status)))
        # Both calls are today unless it is just after midnight there.
        if time.gmtime(time.time() + 8 * 3600).tm_hour >= 1:
            self.assertIn("phones today: 2 offered, 2 answered, 0 "
                          "abandoned (0 within seconds); answer rate "
                          "100.0%", p.out)
        self.assertNotIn("queue_log cannot be read", p.out)
        p = self.d.client("unlogged", who="wang")
        self.assertEqual(p.returncode, 1)
        # The line, start and duration come from the phone call.
        p = self.d.client("log", "--pbx", "-c", "medic", "-t", "anxiety",
                          "-r", "low", "--json")
        self.assertEqual(p.returncode, 0, p.err)
        import json
        rec = json.loads(p.out)
        self.assertEqual(rec["line"], "9120")
        self.assertEqual(rec["duration_s"], 600)
        self.assertEqual(self.call_row("cl-1")["call_id"], rec["id"])
        p = self.d.client("unlogged", "--json", who="chen")
        self.assertEqual([c["pbx_call_id"] for c in json.loads(p.out)
                          ["calls"]], ["cl-2"])

    def test_in_chinese(self):
        self.phone_call("zh-1", 60)
        zh = {"LANG": "zh_CN.UTF-8"}
        p = self.d.client("unlogged", who="chen", env=zh)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("1 个接听已超过 30 分钟的电话从未登记", p.out)
        self.assertIn("接听人", p.out)
        p = self.d.client("log", "--pbx", "-c", "medic", "-t", "anxiety",
                          "-r", "low", env=zh)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("接听于", p.err)
        p = self.d.client("log", "--pbx", "-c", "medic", "-t", "anxiety",
                          "-r", "low", env=zh)
        self.assertEqual(p.returncode, 1)
        self.assertIn("过去 12 小时内没有您接听而尚未登记的电话", p.err)
        p = self.d.client("help", "unlogged", env=zh)
        self.assertIn("hotline log --pbx", p.out)


class TestRetention(PbxTest):
    retention = "  personal_days = 1;"

    def test_old_caller_hashes_erased(self):
        now = int(time.time())

        def at(s):
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))
        for cid, when in (("old", now - 3 * 86400), ("new", now - 3600)):
            r = self.d.request("POST", "/v1/pbx/events", {
                "call_id": cid, "event": "offered", "line": "400",
                "at": at(when), "caller_number": "13899990000"}, who="pbx")
            self.assertEqual(r.status, 201, r)
        self.assertIsNotNone(self.call_row("old")["caller_hash"])
        self.d.restart()        # retention runs soon after start-up
        wait_for("retention", lambda: self.call_row("old")["caller_hash"]
                 is None)
        self.assertIsNotNone(self.call_row("new")["caller_hash"])
        # The phone measures stay as they were.
        self.assertEqual(self.call_row("old")["offered_at"], now - 3 * 86400)
