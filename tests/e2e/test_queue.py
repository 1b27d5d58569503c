"""The follow-up queues end to end: calls routed by the default rules,
claims in priority-then-age order and never handed out twice, leases that
run out, SLAs that escalate exactly once (across a restart too), the
rules of complete/release/renew, callbacks not claimable before their
time, roles, and the client's queue commands."""
import datetime
import re
import signal
import sqlite3
import threading
import time
import unittest

from harness import DaemonTest, good

SHORT = """queues = (
  { code = "mhc";    name = "青岛市精神卫生中心"; lease = 2;
    sla = { p1 = 2; }; },
  { code = "legal";  name = "法律服务绿色通道"; },
  { code = "family"; name = "家庭关爱联络"; }
);"""


def rfc3339(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).isoformat(timespec="seconds")


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


class QueueTest(DaemonTest):
    def claim(self, who="zhao", queue="mhc"):
        return self.d.request("POST", f"/v1/queues/{queue}/claim", who=who)

    def act(self, item, verb, who="zhao", body=None):
        return self.d.request("POST", f"/v1/queue-items/{item}/{verb}", body,
                              who=who)

    def item(self, item, who="zhao"):
        r = self.d.request("GET", f"/v1/queue-items/{item}", who=who)
        self.assertEqual(r.status, 200, r)
        return r.json

    def depth(self, queue="mhc", who="wang"):
        r = self.d.request("GET", "/v1/queues", who=who)
        self.assertEqual(r.status, 200, r)
        return {q["code"]: q for q in r.json["queues"]}[queue]


class TestRouting(QueueTest):
    def test_routes_in_the_response(self):
        cases = [
            (good(risk="high", topics=["work"]), ("mhc", 1)),
            (good(risk="moderate", topics=["sleep"]), ("mhc", 2)),
            (good(risk="low", topics=["legal"]), ("legal", 2)),
            (good(risk="none", topics=["family"]), ("family", 3)),
            (good(risk="low", topics=["anxiety"]), None),
            (good(risk="moderate", topics=["other"]), None),
        ]
        for body, want in cases:
            r = self.d.post_call(body)
            self.assertEqual(r.status, 201, r)
            q = r.json["queue"]
            if want is None:
                self.assertIsNone(q, body)
                self.assertEqual(r.json["queue_items"], [])
            else:
                self.assertEqual((q["code"], q["priority"]), want, body)
                self.assertEqual(q["kind"], "referral")
                self.assertEqual(q["state"], "waiting")
            # The stored record says the same.
            g = self.d.request("GET", f"/v1/calls/{r.json['id']}")
            self.assertEqual(g.json["queue"], r.json["queue"])
        self.assertEqual(self.d.count_rows("queue_items"), 4)
        self.assertEqual(self.depth("mhc")["waiting"], 2)
        self.assertEqual(self.depth("legal")["waiting"], 1)

    def test_client_log_says_where(self):
        p = self.d.client("log", "-l", "400", "-c", "medic", "-t", "sleep",
                          "-r", "imminent")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"logged call 1 → 青岛市精神卫生中心, "
                         r"priority 1\n")
        p = self.d.client("log", "-l", "400", "-c", "member", "-t", "work",
                          "-r", "none")
        self.assertRegex(p.out, r"→ 法律服务绿色通道, priority 2")
        p = self.d.client("log", "-l", "400", "-c", "member", "-t", "other",
                          "-r", "none")
        self.assertEqual(p.out, "logged call 3\n")
        p = self.d.client("show", "1")
        self.assertRegex(p.out, r"queue items +item 1: mhc \(青岛市精神卫生中心\), "
                         r"priority 1, referral, waiting")

    def test_replay_returns_the_same_routing(self):
        body = good(risk="high")
        a = self.d.post_call(body, key="k-1")
        b = self.d.post_call(body, key="k-1")
        self.assertEqual((a.status, b.status), (201, 200))
        self.assertEqual(a.json["queue"], b.json["queue"])
        self.assertEqual(self.d.count_rows("queue_items"), 1)

    def test_amend_to_high_risk_routes(self):
        r = self.d.post_call(good(risk="low", topics=["other"]))
        self.assertIsNone(r.json["queue"])
        cid = r.json["id"]
        p = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"})
        self.assertEqual(p.status, 200, p)
        self.assertEqual(p.json["queue"]["code"], "mhc")
        self.assertEqual(p.json["queue"]["priority"], 1)
        # A second amendment makes no second item.
        p = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"risk": "imminent"})
        self.assertEqual(len(p.json["queue_items"]), 1)
        self.assertEqual(self.d.count_rows("queue_items"), 1)

    def test_killed_daemon_keeps_calls_and_items_together(self):
        ids = []
        for i in range(30):
            r = self.d.post_call(good(risk="high", notes=f"n{i}"))
            self.assertEqual(r.status, 201, r)
            ids.append(r.json["id"])
        self.d.kill9()
        db = sqlite3.connect(self.d.db)
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check")
                             .fetchone()[0], "ok")
            orphans = db.execute(
                "SELECT count(*) FROM calls c WHERE NOT EXISTS (SELECT 1 "
                "FROM queue_items q WHERE q.call_id = c.id)").fetchone()[0]
            n = db.execute("SELECT count(*) FROM queue_items").fetchone()[0]
        finally:
            db.close()
        self.assertEqual(orphans, 0)
        self.assertEqual(n, 30)
        self.d.start()
        self.assertEqual(self.depth()["waiting"], 30)


class TestClaims(QueueTest):
    def test_high_risk_first_then_oldest(self):
        older = self.d.post_call(good(risk="moderate", topics=["sleep"]))
        time.sleep(1.1)
        high = self.d.post_call(good(risk="high"))
        time.sleep(1.1)
        newer = self.d.post_call(good(risk="moderate", topics=["grief"]))
        order = []
        for _ in range(3):
            r = self.claim()
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["state"], "claimed")
            self.assertEqual(r.json["claimed_by"], "zhao")
            order.append(r.json["call_id"])
        self.assertEqual(order, [high.json["id"], older.json["id"],
                                 newer.json["id"]])
        r = self.claim()
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.raw, b"")
        d = self.depth()
        self.assertEqual((d["waiting"], d["claimed"]), (0, 3))

    def test_twenty_claims_ten_items_each_once(self):
        for i in range(10):
            self.assertEqual(self.d.post_call(good(risk="high")).status, 201)
        results = []
        lock = threading.Lock()
        go = threading.Event()

        def one(who):
            go.wait()
            r = self.claim(who)
            with lock:
                results.append(r)

        threads = [threading.Thread(target=one, args=(
            "zhao" if n % 2 else "zhou",)) for n in range(20)]
        for t in threads:
            t.start()
        go.set()
        for t in threads:
            t.join()
        got = [r.json["id"] for r in results if r.status == 200]
        self.assertEqual(sorted(r.status for r in results),
                         [200] * 10 + [204] * 10, results)
        self.assertEqual(len(set(got)), 10)
        db = sqlite3.connect(self.d.db)
        try:
            rows = db.execute("SELECT count(*), count(DISTINCT id) FROM "
                              "queue_items WHERE state = 'claimed'").fetchone()
            claims = db.execute("SELECT count(*) FROM queue_history WHERE "
                                "action = 'claimed'").fetchone()[0]
        finally:
            db.close()
        self.assertEqual(rows, (10, 10))
        self.assertEqual(claims, 10)

    def test_counts_follow_every_move_at_once(self):
        def from_store():
            db = sqlite3.connect(self.d.db)
            try:
                return db.execute(
                    "SELECT total(state = 'waiting'), total(state ="
                    " 'claimed') FROM queue_items WHERE queue = 'mhc'"
                ).fetchone()
            finally:
                db.close()

        def check(waiting, claimed):
            d = self.depth()
            self.assertEqual((d["waiting"], d["claimed"]),
                             (waiting, claimed))
            self.assertEqual(from_store(), (waiting, claimed))
            if waiting:
                self.assertIsNotNone(d["oldest_wait_s"])
            else:
                self.assertIsNone(d["oldest_wait_s"])

        for i in range(5):
            self.d.post_call(good(risk="high"))
        check(5, 0)
        items = [self.claim().json["id"] for _ in range(3)]
        check(2, 3)
        self.act(items[0], "release")
        check(3, 2)
        self.act(items[1], "complete", body={"resolution": "ok"})
        check(3, 1)
        self.act(items[2], "renew")
        check(3, 1)
        for _ in range(3):
            self.claim()
        check(0, 4)

    def test_holder_sees_personal_fields(self):
        r = self.d.post_call(good(risk="high", consent=True,
                                  caller_name="王", caller_contact="138",
                                  notes="夜班"))
        cid = r.json["id"]
        before = self.d.request("GET", f"/v1/calls/{cid}", who="zhao")
        self.assertNotIn("caller_contact", before.json)
        listed = self.d.request("GET", "/v1/queues/mhc", who="zhao")
        self.assertNotIn("caller_contact", listed.json["items"][0]["call"])
        c = self.claim()
        self.assertEqual(c.json["call"]["caller_contact"], "138")
        after = self.d.request("GET", f"/v1/calls/{cid}", who="zhao")
        self.assertEqual(after.json["caller_contact"], "138")
        # Another counselor, not holding it, still does not.
        other = self.d.request("GET", f"/v1/calls/{cid}", who="zhou")
        self.assertNotIn("caller_contact", other.json)
        self.assertEqual(self.act(c.json["id"], "complete",
                                  body={"resolution": "ok"}).status, 200)
        done = self.d.request("GET", f"/v1/calls/{cid}", who="zhao")
        self.assertNotIn("caller_contact", done.json)

    def test_complete_release_renew_rules(self):
        self.d.post_call(good(risk="high"))
        item = self.claim().json["id"]
        # No resolution, empty, wrong type, unknown field: 400.
        self.assertError(self.act(item, "complete", body={}), 400,
                         "missing_field", "resolution")
        self.assertError(self.act(item, "complete",
                                  body={"resolution": "  \n"}), 400,
                         "missing_field", "resolution")
        self.assertError(self.act(item, "complete", body={"resolution": 5}),
                         400, "invalid_field", "resolution")
        self.assertError(self.act(item, "complete",
                                  body={"resolution": "x", "y": 1}),
                         400, "unknown_field", "y")
        r = self.d.request("POST", f"/v1/queue-items/{item}/complete",
                           raw=b"{nope", who="zhao")
        self.assertError(r, 400, "invalid_json")
        # Someone else's item: 403, for every action.
        for verb in ("complete", "release", "renew"):
            r = self.act(item, verb, who="zhou", body={"resolution": "x"})
            self.assertError(r, 403, "forbidden", "id")
            self.assertIn("held by another counselor", r.json["message"])
        # Renew moves the lease on.
        before = self.item(item)["lease_until"]
        time.sleep(1.1)
        r = self.act(item, "renew")
        self.assertEqual(r.status, 200, r)
        self.assertGreater(r.json["lease_until"], before)
        # Release: waiting again, claimable by another.
        r = self.act(item, "release")
        self.assertEqual((r.status, r.json["state"]), (200, "waiting"))
        self.assertIsNone(r.json["claimed_by"])
        self.assertError(self.act(item, "release"), 409, "wrong_state")
        self.assertError(self.act(item, "complete", body={
            "resolution": "x"}), 409, "wrong_state")
        self.assertEqual(self.claim("zhou").json["id"], item)
        # A supervisor may complete someone else's claimed item.
        r = self.act(item, "complete", who="chen",
                     body={"resolution": "回访完成，已预约门诊"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["state"], r.json["completed_by"],
                          r.json["resolution"]),
                         ("done", "chen", "回访完成，已预约门诊"))
        r = self.act(item, "complete", body={"resolution": "again"})
        self.assertError(r, 409, "wrong_state")
        self.assertIn("already done", r.json["message"])
        self.assertError(self.act(999, "renew"), 404, "not_found")
        hist = [h["action"] for h in self.item(item)["history"]]
        self.assertEqual(hist, ["created", "claimed", "renewed", "released",
                                "claimed", "completed"])

    def test_roles_and_bad_requests(self):
        self.d.post_call(good(risk="high"))
        self.assertEqual(self.d.request("GET", "/v1/queues").status, 200)
        self.assertError(self.d.request("GET", "/v1/queues/mhc"), 403,
                         "forbidden")
        self.assertError(self.claim("wang"), 403, "forbidden")
        self.assertError(self.d.request("GET", "/v1/queue-items/1"), 403,
                         "forbidden")
        self.assertError(self.d.request("GET", "/v1/queues", who="nobody"),
                         401, "unauthorized")
        self.assertError(self.claim(queue="nowhere"), 404, "not_found",
                         "queue")
        self.assertError(self.d.request("GET", "/v1/queues/nowhere",
                                        who="zhao"), 404, "not_found")
        self.assertError(self.d.request("GET", "/v1/queues/mhc?state=lost",
                                        who="zhao"), 400, "invalid_parameter",
                         "state")
        self.assertError(self.d.request("GET", "/v1/queues/mhc?limit=0",
                                        who="zhao"), 400, "invalid_parameter",
                         "limit")
        self.assertError(self.d.request("GET", "/v1/queues/mhc/claim",
                                        who="zhao"), 405)
        self.assertError(self.d.request("DELETE", "/v1/queue-items/1",
                                        who="zhao"), 405)
        self.assertError(self.d.request("POST", "/v1/queue-items/1/steal",
                                        who="zhao"), 404)
        self.assertError(self.d.request("POST", "/v1/queue-items/01/renew",
                                        who="zhao"), 404)
        # Over the Unix socket root is admin: may claim.
        r = self.d.request("POST", "/v1/queues/mhc/claim", unix=True)
        self.assertEqual((r.status, r.json["claimed_by"]), (200, "root"), r)
        self.assertEqual(self.d.count_rows("queue_items"), 1)


class TestTimers(QueueTest):
    replace = {"queues": SHORT}

    def test_lease_runs_out(self):
        self.d.post_call(good(risk="high"))
        item = self.claim().json["id"]
        st = wait_for(lambda: self.item(item)["state"] == "waiting", 8)
        self.assertTrue(st, "the lease did not run out")
        it = self.item(item)
        self.assertIsNone(it["claimed_by"])
        self.assertIn("lease expired", [h["action"] for h in it["history"]])
        self.assertIn("the lease of zhao ran out", self.d.stderr())
        self.assertEqual(self.claim("zhou").json["id"], item)

    def test_sla_escalates_once_also_across_restart(self):
        cid = self.d.post_call(good(risk="high")).json["id"]
        self.d.post_call(good(risk="moderate", topics=["sleep"]))  # no SLA
        self.assertTrue(wait_for(
            lambda: self.item(1)["escalated"], 8), "no escalation")
        time.sleep(2.5)
        alerts = re.findall(r"queue mhc: item 1 \(call %d, priority 1\) has "
                            r"waited \d+ seconds, past its SLA of 2 seconds" % cid,
                            self.d.stderr())
        self.assertEqual(len(alerts), 1, self.d.stderr())
        self.assertFalse(self.item(2)["escalated"])
        d = self.depth()
        self.assertEqual(d["past_sla"], 1)
        listed = self.d.request("GET", "/v1/queues/mhc", who="zhao").json
        self.assertTrue(listed["items"][0]["escalated"])
        self.d.restart()
        time.sleep(2.5)
        hist = [h["action"] for h in self.item(1)["history"]]
        self.assertEqual(hist.count("escalated"), 1)
        self.assertEqual(len(re.findall(r"past its SLA", self.d.stderr())),
                         1, self.d.stderr())
        self.assertEqual(self.depth()["past_sla"], 1)
        # Claimed or done, it no longer counts as waiting past SLA.
        self.assertEqual(self.claim().json["id"], 1)
        self.assertEqual(self.depth()["past_sla"], 1)
        self.act(1, "complete", body={"resolution": "ok"})
        self.assertEqual(self.depth()["past_sla"], 0)

    def test_backlog_past_sla_escalated_in_slices_each_once(self):
        # More than a tick takes (STORE_TICK_ITEMS, 16) fall past their
        # SLA at once: all are escalated, each once, in a few slices.
        items = []
        for i in range(50):
            r = self.d.post_call(good(risk="high"))
            self.assertEqual(r.status, 201, r)
            items += [q["item"] for q in r.json["queue_items"]]
        self.assertEqual(len(items), 50)
        self.assertTrue(wait_for(
            lambda: self.depth()["past_sla"] == 50, 15), self.depth())
        time.sleep(1.5)
        self.assertEqual(self.depth()["past_sla"], 50)
        self.assertEqual(len(re.findall(r"past its SLA", self.d.stderr())),
                         50)
        for item in items:
            hist = [h["action"] for h in self.item(item)["history"]]
            self.assertEqual(hist.count("escalated"), 1, (item, hist))

    def test_backlogs_of_two_slas_each_escalated_once(self):
        # The tick reads each queue and priority with an SLA on its own
        # (queue_items_sla): a backlog past mhc's SLA (p1) beside one
        # past legal's (p2, set here), and older items of family, which
        # has none. Every item past an SLA is escalated once; family's
        # never.
        self.d.stop()
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        text = text.replace('{ code = "legal";  name = "法律服务绿色通道"; }',
                            '{ code = "legal";  name = "法律服务绿色通道";'
                            ' sla = { p2 = 2; }; }')
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        self.d.start()
        family = [self.d.post_call(good(risk="none", topics=["family"]))
                  .json["queue_items"][0]["item"] for _ in range(5)]
        mhc, legal = [], []
        for i in range(40):
            r = self.d.post_call(good(risk="high"))
            mhc += [q["item"] for q in r.json["queue_items"]]
            if i % 10 == 0:
                r = self.d.post_call(good(risk="low", topics=["work"]))
                legal += [q["item"] for q in r.json["queue_items"]]
        self.assertEqual((len(mhc), len(legal)), (40, 4))
        self.assertTrue(wait_for(
            lambda: self.depth()["past_sla"] == 40 and
            self.depth("legal")["past_sla"] == 4, 15),
            (self.depth(), self.depth("legal")))
        time.sleep(1.5)
        for item in mhc + legal:
            hist = [h["action"] for h in self.item(item)["history"]]
            self.assertEqual(hist.count("escalated"), 1, (item, hist))
        for item in family:
            self.assertFalse(self.item(item)["escalated"], item)
        self.assertEqual(self.depth("family")["past_sla"], 0)
        self.assertEqual(len(re.findall(r"past its SLA", self.d.stderr())),
                         44)

    def test_older_items_without_sla_do_not_hide_one_past_it(self):
        # 210 older waiting items with no SLA (family, priority 3), then
        # one with an SLA of 2 s: the tick looks only at SLA breaches.
        for i in range(210):
            self.assertEqual(self.d.post_call(good(risk="none", topics=[
                "family"])).status, 201)
        time.sleep(1.1)
        cid = self.d.post_call(good(risk="high")).json["id"]
        item = [q for q in self.d.request("GET", f"/v1/calls/{cid}")
                .json["queue_items"]][0]["item"]
        self.assertTrue(wait_for(lambda: self.item(item)["escalated"], 8))
        self.assertEqual(self.depth("family")["past_sla"], 0)

    def test_callback_not_claimable_before_its_time(self):
        due = int(time.time()) + 3
        r = self.d.post_call(good(risk="none", topics=["other"],
                                  outcome="callback",
                                  callback_at=rfc3339(due)))
        self.assertEqual(r.status, 201, r)
        q = r.json["queue"]
        self.assertEqual((q["code"], q["kind"], q["state"]),
                         ("mhc", "callback", "scheduled"))
        self.assertEqual(self.claim().status, 204)
        self.assertEqual(self.depth()["scheduled"], 1)
        self.assertEqual(self.d.request("GET", "/v1/queues/mhc?state=waiting",
                                        who="zhao").json["items"], [])
        time.sleep(max(0, due - time.time()) + 0.2)
        c = self.claim()
        self.assertEqual(c.status, 200, c)
        self.assertEqual((c.json["kind"], c.json["call_id"]),
                         ("callback", r.json["id"]))


class TestReload(QueueTest):
    def rewrite(self, old, new):
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))
        self.d.proc.send_signal(signal.SIGHUP)

    def test_new_rules_for_the_next_call_bad_rules_refused(self):
        self.assertEqual(self.d.post_call(good(risk="none", topics=[
            "family"])).json["queue"]["code"], "family")
        # A rule naming an unknown queue: refused, the old rules serve.
        self.rewrite('queue = "family"; priority = 3;',
                     'queue = "nowhere"; priority = 3;')
        self.assertTrue(wait_for(lambda: "reload refused" in
                                 self.d.stderr(), 5))
        self.assertIn('routes[3].queue: unknown queue "nowhere"',
                      self.d.stderr())
        self.assertEqual(self.d.post_call(good(risk="none", topics=[
            "family"])).json["queue"]["code"], "family")
        # A good change: family calls now go to legal at priority 4.
        self.rewrite('queue = "nowhere"; priority = 3;',
                     'queue = "legal"; priority = 4;')
        self.assertTrue(wait_for(lambda: "reloaded" in self.d.stderr(), 5))
        q = self.d.post_call(good(risk="none", topics=["family"]))
        self.assertEqual((q.json["queue"]["code"],
                          q.json["queue"]["priority"]), ("legal", 4))
        # The items made before keep their queue.
        self.assertEqual(self.d.request("GET", "/v1/calls/1")
                         .json["queue"]["code"], "family")


class TestClient(QueueTest):
    def test_queue_claim_done(self):
        self.d.post_call(good(risk="high", topics=["sleep"]))
        self.d.post_call(good(risk="low", topics=["legal"]))
        p = self.d.client("queue")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"mhc +青岛市精神卫生中心 +1 +0 +0 ")
        self.assertRegex(p.out, r"legal +法律服务绿色通道 +1 ")
        p = self.d.client("queue", "mhc")
        self.assertEqual(p.returncode, 1)
        self.assertIn("your role may not do this", p.err)
        p = self.d.client("queue", "mhc", who="zhao")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"1 +1 +1 +waiting +referral .*high")
        p = self.d.client("claim", "mhc", who="zhao")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"^claimed item 1 \(call 1, referral, "
                         r"priority 1\): yours until ")
        self.assertIn("risk                  high", p.out)
        p = self.d.client("claim", "mhc", who="zhao")
        self.assertEqual((p.returncode, p.out), (0, "nothing to claim in "
                                                    "mhc\n"))
        p = self.d.client("done", "1", who="zhao")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--resolution TEXT is required", p.err)
        p = self.d.client("done", "1", "-m", "ok", who="zhou")
        self.assertEqual(p.returncode, 1)
        self.assertIn("your role may not do this", p.err)
        p = self.d.client("renew", "1", who="zhao")
        self.assertEqual((p.returncode, p.out), (0, "renewed item 1 "
                                                    "(call 1)\n"), p.err)
        p = self.d.client("done", "1", "--resolution", "已回访", who="zhao")
        self.assertEqual((p.returncode, p.out), (0, "completed item 1 "
                                                    "(call 1)\n"), p.err)
        p = self.d.client("release", "1", who="zhao")
        self.assertEqual(p.returncode, 1)
        self.assertIn("not claimed by you, or is already done", p.err)
        p = self.d.client("release", "x1", who="zhao")
        self.assertEqual(p.returncode, 2)
        p = self.d.client("claim", "MHC!", who="zhao")
        self.assertEqual(p.returncode, 2)
        p = self.d.client("--json", "queue", "mhc", "--state", "done",
                          who="zhao")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn('"resolution":"已回访"', p.out.replace(" ", ""))
        for cmd in ("queue", "claim", "done", "release", "renew"):
            p = self.d.client(cmd, "--help")
            self.assertEqual(p.returncode, 0)
            self.assertTrue(p.out.startswith(f"Usage: hotline {cmd}"))


# A plan in family (no SLA): two steps a second and two after the call,
# one attempt each.
ONE_TRY = """plans = (
  { code = "high"; name = "高危随访"; risk_at_least = "high";
    queue = "family"; priority = 3; steps = [ 1, 2 ];
    attempts = 1; retry_after = "1h"; }
);"""


class TestItemHistory(QueueTest):
    """hotline item: an item's moves, the daemon's details (docs/api.md)
    said in words, Chinese in a Chinese locale; text of any other form,
    and codes it does not know, as they are."""
    replace = {"queues": SHORT}
    plans = ONE_TRY
    ZH = {"LANG": "zh_CN.UTF-8"}

    def moved(self):
        """A referral escalated past its SLA, its lease run out, then
        completed; a step not reached, escalated, cancelled with its plan;
        a step reached. The call's id and the three items."""
        r = self.d.post_call(good(risk="high", topics=["other"]))
        self.assertEqual(r.status, 201, r)
        items = {i["kind"]: i["item"] for i in r.json["queue_items"]}
        ref, failed, reached = (items["referral"], items["followup-1"],
                                items["followup-2"])
        self.assertTrue(wait_for(lambda: self.item(ref)["escalated"], 8))
        self.assertEqual(self.claim().json["id"], ref)
        self.assertTrue(wait_for(
            lambda: self.item(ref)["state"] == "waiting", 8))
        self.assertEqual(self.claim("zhou").json["id"], ref)
        r = self.act(ref, "complete", "zhou", {"resolution": "已回访"})
        self.assertEqual(r.status, 200, r)
        for item, result in ((failed, "no_answer"), (reached, "reached")):
            c = wait_for(lambda: (lambda x: x if x.status == 200 else None)(
                self.claim(queue="family")), 6)
            self.assertEqual(c.json["id"], item, c)
            r = self.d.request("POST", f"/v1/queue-items/{item}/attempts",
                               {"result": result}, who="zhao")
            self.assertEqual(r.status, 200, r)
        r = self.d.request("POST", f"/v1/calls/{r.json['call_id']}/plan/end",
                           {"reason": "unreachable"}, who="zhao")
        self.assertEqual(r.status, 200, r)
        return ref, failed, reached

    def test_details_said_in_words(self):
        ref, failed, reached = self.moved()
        # The API: each detail in its documented form.
        h = [(x["by"], x["action"], x.get("detail"))
             for x in self.item(ref)["history"]]
        self.assertEqual([x[:2] for x in h], [
            ("wang", "created"), ("hotlined", "escalated"),
            ("zhao", "claimed"), ("hotlined", "lease expired"),
            ("zhou", "claimed"), ("zhou", "completed")])
        self.assertRegex(h[1][2], r"^waited [0-9]+s, SLA 2s$")
        self.assertEqual(h[3][2], "lease of zhao ran out")
        self.assertEqual([(x["action"], x.get("detail"))
                          for x in self.item(failed)["history"][2:]],
                         [("attempted", "no_answer, attempt 1 of 1"),
                          ("escalated", "1 attempts failed"),
                          ("cancelled", "unreachable")])
        self.assertEqual(self.item(reached)["history"][-1]["detail"],
                         "reached, attempt 1 of 1")
        # In Chinese: no English, no code.
        out = ""
        for item in (ref, failed, reached):
            p = self.d.client("item", str(item), who="zhao", env=self.ZH)
            self.assertEqual(p.returncode, 0, p.err)
            out += p.out
        self.assertIn("\n处理记录（时间、操作人、处理）\n", out)
        for line in (r"系统 +上报 +已等待 [0-9]+s（时限 2s）",
                     r"系统 +领取期限到期退回 +zhao 的领取期限已到",
                     r"zhou +完成\n",
                     r"wang +创建\n",
                     r"zhao +联系尝试 +无人接听（第 1 次尝试，最多 1 次）",
                     r"系统 +上报 +尝试 1 次未联系上",
                     r"zhao +取消 +无法联系",
                     r"zhao +完成 +已联系上（第 1 次尝试，最多 1 次）"):
            self.assertRegex(out, r"\n  [0-9-]+ [0-9:]+ \+0800  " + line,
                             out)
        self.assertRegex(out, r"^事项 %d（来电 [0-9]+，转介，优先级 1），"
                         r"青岛市精神卫生中心：已完成\n" % ref)
        self.assertRegex(out, r"\n事项 %d（来电 [0-9]+，第 1 次随访，优先级 3），"
                         r"家庭关爱联络：已取消\n" % failed)
        self.assertRegex(out, r"\n由 zhou 于 [0-9-]+ [0-9:]+ \+0800 完成\n")
        self.assertNotIn("领取期限至", out)       # held by nobody now
        self.assertIn("\n处理情况：（无权查看）\n", out)   # zhou's
        p = self.d.client("item", str(ref), who="zhou", env=self.ZH)
        self.assertIn("\n处理情况：已回访\n", p.out)
        for english in ("lease of", "ran out", "waited", "attempt ",
                        "attempts failed", "hotlined", "no_answer",
                        "unreachable", "history"):
            self.assertNotIn(english, out)
        # In English.
        p = self.d.client("item", str(ref), who="zhao")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"\n  \S+ \S+ \S+  system +lease expired +"
                         r"zhao's lease ran out\n")
        self.assertRegex(p.out, r"system +escalated +waited [0-9]+s "
                         r"\(SLA 2s\)\n")
        p = self.d.client("item", str(failed), who="zhao")
        self.assertRegex(p.out, r"zhao +attempt +no answer \(attempt 1 of "
                         r"1\)\n")
        self.assertRegex(p.out, r"zhao +cancelled +cannot be reached\n")
        # --json: the server's answer, details in English.
        p = self.d.client("--json", "item", str(ref), who="zhao")
        self.assertIn('"lease of zhao ran out"', p.out)

    def test_other_forms_as_they_are(self):
        ref, failed, reached = self.moved()
        # Rows of forms this client does not know (a later daemon's, a
        # code it has no words for, a control character): as they are.
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        db.executemany(
            "INSERT INTO queue_history (item_id, at, actor, action, detail)"
            " VALUES (?, strftime('%s', 'now'), ?, ?, ?)",
            [(reached, "hotlined", "escalated", "moved by hand"),
             (reached, "zhao", "attempted", "teleported, attempt 2 of 1"),
             (reached, "zhao", "cancelled", "on a whim"),
             (reached, "zhao", "rerouted", "to legal\x1b[31m")])
        db.commit()
        db.close()
        self.d.start()
        p = self.d.client("item", str(reached), who="zhao", env=self.ZH)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"系统 +上报 +moved by hand\n")
        self.assertRegex(p.out, r"zhao +联系尝试 +teleported（第 2 次尝试，"
                         r"最多 1 次）\n")
        self.assertRegex(p.out, r"zhao +取消 +on a whim\n")
        self.assertRegex(p.out, r"zhao +rerouted +to legal\?\[31m\n")
        self.assertNotIn("\x1b", p.out)
        # Bad operands, and the roles that may not read items.
        p = self.d.client("item", "x7", who="zhao", env=self.ZH)
        self.assertEqual(p.returncode, 2)
        p = self.d.client("item", "999", who="zhao")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no such call, queue or item", p.err)
        p = self.d.client("item", str(ref), who="wang")
        self.assertEqual(p.returncode, 1)
        self.assertIn("your role may not do this", p.err)
        p = self.d.client("item", "--help")
        self.assertTrue(p.out.startswith("Usage: hotline item"), p.out)


# Two SLAs that run out within seconds (mhc priority 1, family priority
# 3) and one that does not (mhc priority 2, a day).
TWO_SLAS = """queues = (
  { code = "mhc";    name = "青岛市精神卫生中心"; lease = 60;
    sla = { p1 = 2; p2 = "1d"; }; },
  { code = "legal";  name = "法律服务绿色通道"; },
  { code = "family"; name = "家庭关爱联络"; sla = { p3 = 3; }; }
);"""


class TestOverdueEachSla(QueueTest):
    """The SLA timer reads each SLA's overdue items apart (by queue and
    priority) and takes the longest overdue of them all, a slice at a
    time: a backlog across two SLAs is escalated whole, each item once,
    and the many items still within a long SLA never are."""
    replace = {"queues": TWO_SLAS}

    def test_backlog_across_two_slas_each_once(self):
        family, high, within = [], [], []
        for i in range(20):
            r = self.d.post_call(good(risk="none", topics=["family"]))
            self.assertEqual(r.status, 201, r)
            family += [q["item"] for q in r.json["queue_items"]]
        for i in range(120):
            r = self.d.post_call(good(risk="moderate", topics=["sleep"]))
            self.assertEqual(r.status, 201, r)
            within += [q["item"] for q in r.json["queue_items"]]
        for i in range(20):
            r = self.d.post_call(good(risk="high", topics=["sleep"]))
            self.assertEqual(r.status, 201, r)
            high += [q["item"] for q in r.json["queue_items"]
                     if q["priority"] == 1 and q["kind"] == "referral"]
        self.assertEqual((len(family), len(within), len(high)),
                         (20, 120, 20))
        self.assertTrue(wait_for(
            lambda: (self.depth("family")["past_sla"],
                     self.depth()["past_sla"]) == (20, 20), 15),
            (self.depth("family"), self.depth()))
        time.sleep(1.5)
        self.assertEqual((self.depth("family")["past_sla"],
                          self.depth()["past_sla"]), (20, 20))
        alerts = re.findall(r"item (\d+) \(call \d+, priority (\d)\) has "
                            r"waited", self.d.stderr())
        self.assertEqual(sorted(int(a[0]) for a in alerts),
                         sorted(family + high), self.d.stderr())
        self.assertNotIn("3", [a[1] for a in alerts if int(a[0]) in high])
        for item in family + high:
            hist = [h["action"] for h in self.item(item)["history"]]
            self.assertEqual(hist.count("escalated"), 1, (item, hist))
        for item in within[::10]:
            self.assertFalse(self.item(item)["escalated"], item)


if __name__ == "__main__":
    unittest.main()
