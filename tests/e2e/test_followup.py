"""Follow-up plans end to end: a high-risk call gets its plan's steps as
scheduled items; every attempt recorded; reached completes a step and the
next one falls due on time; failed attempts escalate exactly once, across
a restart too; ending a plan cancels the rest; bad input named by field;
attempt notes redacted for every role; retention erases them with their
call; bad plans in the config exit 78 naming the line."""
import datetime
import json
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from harness import HOTLINED, Daemon, DaemonTest, good

# Short plans: steps a second or few apart, in the family queue (no SLA
# and no routing rule for these calls' topics), so the referral items
# routing makes stay out of the way.
SHORT_PLANS = """plans = (
  { code = "imminent"; name = "极高危随访"; risk_at_least = "imminent";
    queue = "family"; priority = 1; steps = [ 1, 60 ];
    attempts = 3; retry_after = 1; },
  { code = "high"; name = "高危随访"; risk_at_least = "high";
    queue = "family"; priority = 1; steps = [ 1, 4, 3600 ];
    attempts = 3; retry_after = 1; }
);"""
NO_SLA = """queues = (
  { code = "mhc";    name = "青岛市精神卫生中心"; },
  { code = "legal";  name = "法律服务绿色通道"; },
  { code = "family"; name = "家庭关爱联络"; }
);"""
NOTE = "未接通，留言请回电-甲乙"


def ts(s):
    return datetime.datetime.fromisoformat(s).timestamp()


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


class TestSamplePlans(DaemonTest):
    """dev.conf's own plans."""
    plans = True

    def test_high_risk_call_gets_its_steps(self):
        r = self.d.post_call(good(risk="high"))
        self.assertEqual(r.status, 201, r)
        items = r.json["queue_items"]
        self.assertEqual(items[0]["kind"], "referral")
        steps = [i for i in items if i["kind"].startswith("followup-")]
        self.assertEqual([i["kind"] for i in steps],
                         ["followup-1", "followup-2", "followup-3",
                          "followup-4"])
        self.assertTrue(all(i["state"] == "scheduled" for i in steps))
        created = ts(r.json["created_at"])
        offsets = [round((ts(i["due_at"]) - created) / 3600)
                   for i in steps]
        self.assertEqual(offsets, [24, 72, 168, 720])
        p = self.d.request("GET", f"/v1/calls/{r.json['id']}/plan",
                           who="zhao")
        self.assertEqual(p.status, 200, p)
        self.assertEqual((p.json["plan"], p.json["name"], p.json["state"]),
                         ("high", "高危随访", "active"))
        self.assertEqual(p.json["attempts_allowed"], 3)
        self.assertEqual(len(p.json["steps"]), 4)
        # The stored call shows them too; the queue counts them scheduled.
        g = self.d.request("GET", f"/v1/calls/{r.json['id']}")
        self.assertEqual(len(g.json["queue_items"]), 5)
        q = {x["code"]: x for x in self.d.request(
            "GET", "/v1/queues").json["queues"]}
        self.assertEqual(q["mhc"]["scheduled"], 4)

    def test_imminent_gets_five_and_low_none(self):
        r = self.d.post_call(good(risk="imminent"))
        self.assertEqual(len(r.json["queue_items"]), 6)
        first = [i for i in r.json["queue_items"]
                 if i["kind"] == "followup-1"][0]
        self.assertAlmostEqual(ts(first["due_at"]) -
                               ts(r.json["created_at"]), 4 * 3600,
                               delta=2)
        low = self.d.post_call(good(risk="low"))
        self.assertEqual(low.json["queue_items"], [])
        p = self.d.request("GET", f"/v1/calls/{low.json['id']}/plan",
                           who="zhao")
        self.assertError(p, 404, "not_found")

    def test_amended_to_high_gets_one_plan(self):
        cid = self.d.post_call(good(risk="low", topics=["other"])).json["id"]
        p = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"})
        self.assertEqual(p.status, 200, p)
        self.assertEqual(len(p.json["queue_items"]), 5)
        p = self.d.request("PATCH", f"/v1/calls/{cid}", {"duration_s": 60})
        self.assertEqual(len(p.json["queue_items"]), 5)
        self.assertEqual(self.d.count_rows("plans"), 1)

    def test_who_reads_a_plan(self):
        cid = self.d.post_call(good(risk="high")).json["id"]
        self.assertError(self.d.request("GET", f"/v1/calls/{cid}/plan"),
                         403, "forbidden")
        for who in ("zhao", "chen", "ops"):
            r = self.d.request("GET", f"/v1/calls/{cid}/plan", who=who)
            self.assertEqual(r.status, 200, (who, r))
        self.assertError(self.d.request("GET", "/v1/calls/99/plan",
                                        who="chen"), 404, "not_found")
        self.assertError(self.d.request("PUT", f"/v1/calls/{cid}/plan",
                                        who="chen"), 405)


class FollowupTest(DaemonTest):
    replace = {"queues": NO_SLA}
    plans = SHORT_PLANS

    def call(self, risk="high"):
        r = self.d.post_call(good(risk=risk, topics=["other"]))
        self.assertEqual(r.status, 201, r)
        return r.json["id"], [i["item"] for i in r.json["queue_items"]
                              if i["kind"].startswith("followup-")]

    def claim(self, who="zhao"):
        return self.d.request("POST", "/v1/queues/family/claim", who=who)

    def claim_item(self, item, who="zhao", timeout=6):
        r = wait_for(lambda: (lambda c: c if c.status == 200 else None)(
            self.claim(who)), timeout)
        self.assertIsNotNone(r, "nothing to claim")
        self.assertEqual(r.json["id"], item, r)
        return r.json

    def attempt(self, item, result, who="zhao", note=None, **kw):
        body = {"result": result}
        if note is not None:
            body["note"] = note
        body.update(kw)
        return self.d.request("POST", f"/v1/queue-items/{item}/attempts",
                              body, who=who)

    def plan(self, cid, who="chen"):
        r = self.d.request("GET", f"/v1/calls/{cid}/plan", who=who)
        self.assertEqual(r.status, 200, r)
        return r.json

    def item(self, item, who="chen"):
        r = self.d.request("GET", f"/v1/queue-items/{item}", who=who)
        self.assertEqual(r.status, 200, r)
        return r.json

    def depth(self, who="chen"):
        return {q["code"]: q for q in self.d.request(
            "GET", "/v1/queues", who=who).json["queues"]}["family"]

    def audit(self, action):
        r = self.d.request("GET", f"/v1/audit?action={action}", who="ops")
        self.assertEqual(r.status, 200, r)
        return r.json["audit"]


class TestAttempts(FollowupTest):
    def test_reached_completes_and_next_falls_due_on_time(self):
        cid, steps = self.call()
        self.assertEqual(len(steps), 3)
        self.assertEqual(self.claim().status, 204)   # not due yet
        self.claim_item(steps[0])
        r = self.attempt(steps[0], "reached", note=NOTE)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["state"], r.json["attempts"]), ("done", 1))
        # Completing it twice: refused.
        self.assertError(self.attempt(steps[0], "reached"), 409,
                         "wrong_state", "id")
        p = self.plan(cid)
        due2 = ts(p["steps"][1]["due_at"])
        self.assertAlmostEqual(due2 - ts(p["started_at"]), 4, delta=1)
        if time.time() < due2 - 0.5:
            self.assertEqual(self.claim().status, 204)
        self.claim_item(steps[1])
        self.assertGreaterEqual(time.time(), due2 - 1)
        self.assertEqual(p["steps"][0]["attempt_log"][0]["result"],
                         "reached")
        self.assertEqual(p["steps"][0]["attempt_log"][0]["note"], NOTE)
        hist = [h["action"] for h in self.item(steps[0])["history"]]
        self.assertEqual(hist, ["created", "claimed", "completed"])
        self.assertEqual(len(self.audit("item.attempt")), 1)

    def test_failed_attempts_escalate_once_across_restart(self):
        cid, steps = self.call("imminent")
        s = steps[0]
        for n, result in enumerate(("no_answer", "busy"), 1):
            self.claim_item(s)
            r = self.attempt(s, result)
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.json["state"], r.json["attempts"],
                              r.json["escalated"]),
                             ("scheduled", n, False), r)
            self.assertAlmostEqual(ts(r.json["due_at"]) - time.time(), 1,
                                   delta=1.5)
        self.claim_item(s)
        r = self.attempt(s, "left_message", note=NOTE)
        self.assertTrue(r.json["escalated"], r)
        self.assertEqual(self.depth()["past_sla"], 1)
        self.d.restart()
        self.claim_item(s)
        r = self.attempt(s, "no_answer")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["attempts"], 4)
        hist = [h["action"] for h in self.item(s)["history"]]
        self.assertEqual(hist.count("escalated"), 1, hist)
        self.assertEqual(hist.count("attempted"), 4, hist)
        alerts = re.findall(r"queue family: item %d \(call %d, priority 1\) "
                            r"is escalated: left_message, attempt 3 of 3"
                            % (s, cid), self.d.stderr())
        self.assertEqual(len(alerts), 1, self.d.stderr())
        self.assertEqual(len(self.audit("item.escalate")), 1)
        self.assertEqual(self.depth()["past_sla"], 1)
        p = self.plan(cid)
        self.assertEqual([a["result"] for a in
                          p["steps"][0]["attempt_log"]],
                         ["no_answer", "busy", "left_message", "no_answer"])
        # Reached at last: no longer counted as escalated and open.
        self.claim_item(s)
        self.assertEqual(self.attempt(s, "reached").status, 200)
        self.assertEqual(self.depth()["past_sla"], 0)

    def test_bad_attempts(self):
        # A referral in the same queue, claimed before the plan's steps
        # exist: the only claimable item then, whatever the timing.
        routed = self.d.post_call(good(risk="none", topics=["family"]))
        ref = routed.json["queue_items"][0]["item"]
        c = self.claim_item(ref)
        cid, steps = self.call()
        r = self.attempt(steps[0], "no_answer")
        self.assertError(r, 409, "wrong_state", "id")
        self.assertIn("not claimed", r.json["message"])
        self.assertError(self.attempt(99, "busy"), 404, "not_found", "id")
        self.assertError(self.attempt(steps[0], "maybe"), 400,
                         "invalid_field", "result")
        self.assertError(self.attempt(steps[0], None), 400,
                         "missing_field", "result")
        self.assertError(self.attempt(steps[0], 3), 400, "invalid_field",
                         "result")
        self.assertError(self.attempt(steps[0], "busy", note=5), 400,
                         "invalid_field", "note")
        self.assertError(self.attempt(steps[0], "busy", note="长" * 4001),
                         400, "invalid_field", "note")
        self.assertError(self.attempt(steps[0], "busy", when="now"), 400,
                         "unknown_field", "when")
        self.assertError(self.attempt(steps[0], "busy", who="wang"), 403,
                         "forbidden")
        # The claimed referral is not a plan's step.
        self.assertError(self.attempt(c["id"], "busy"), 409, "wrong_state")
        self.claim_item(steps[0])
        self.assertError(self.attempt(steps[0], "busy", who="zhou"), 403,
                         "forbidden", "id")
        # A supervisor may record it for the holder.
        self.assertEqual(self.attempt(steps[0], "busy", who="chen").status,
                         200)
        self.assertEqual(self.d.count_rows("attempts"), 1)


class TestEndPlan(FollowupTest):
    def end(self, cid, body, who="zhao"):
        return self.d.request("POST", f"/v1/calls/{cid}/plan/end", body,
                              who=who)

    def test_ending_cancels_the_rest(self):
        cid, steps = self.call()
        self.claim_item(steps[0])
        self.assertEqual(self.attempt(steps[0], "reached").status, 200)
        time.sleep(3)
        self.claim_item(steps[1])        # claimed when the plan ends
        r = self.end(cid, {"reason": "in_treatment"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["state"], r.json["end_reason"],
                          r.json["ended_by"]),
                         ("ended", "in_treatment", "zhao"))
        self.assertEqual([s["state"] for s in r.json["steps"]],
                         ["done", "cancelled", "cancelled"])
        # (A step fallen due is counted within the queue timer's second.)
        self.assertTrue(wait_for(lambda: (lambda d: (
            d["waiting"], d["claimed"], d["scheduled"]) == (0, 0, 0))(
            self.depth()), 3), self.depth())
        self.assertError(self.end(cid, {"reason": "declined"}), 409,
                         "wrong_state")
        self.assertError(self.attempt(steps[1], "busy"), 409, "wrong_state")
        hist = self.item(steps[2])["history"]
        self.assertEqual(hist[-1]["action"], "cancelled")
        self.assertEqual(hist[-1]["detail"], "in_treatment")
        a = self.audit("plan.end")
        self.assertEqual(len(a), 1)
        self.assertIn("2 steps cancelled", a[0]["detail"])
        listed = self.d.request("GET", "/v1/queues/family?state=open",
                                who="zhao").json["items"]
        self.assertEqual(listed, [])

    def test_client_names_the_end_reason(self):
        """hotline plan says why a plan was ended in words, Chinese in a
        Chinese locale, never the API's code."""
        cid, steps = self.call()
        self.assertEqual(self.end(cid, {"reason": "in_treatment"}).status,
                         200)
        p = self.d.client("plan", str(cid), who="chen",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("由 zhao 提前结束：已在接受治疗\n", p.out)
        self.assertIn("（高危随访），已提前结束；", p.out)
        self.assertRegex(p.out, r"第 2 次随访（事项 %d）：已取消，" % steps[1])
        for code in ("in_treatment", "ended", "cancelled"):
            self.assertNotIn(code, p.out)
        p = self.d.client("plan", str(cid), who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("ended by zhao: already in treatment\n", p.out)
        self.assertIn("(高危随访), ended early;", p.out)
        other, _ = self.call()
        self.assertEqual(self.end(other, {"reason": "declined"}).status, 200)
        p = self.d.client("plan", str(other), who="chen",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertIn("提前结束：来电者要求不再联系\n", p.out)

    def test_bad_ends(self):
        cid, steps = self.call()
        self.assertError(self.end(cid, {}), 400, "missing_field", "reason")
        self.assertError(self.end(cid, {"reason": "bored"}), 400,
                         "invalid_field", "reason")
        self.assertError(self.end(cid, {"reason": "other", "x": 1}), 400,
                         "unknown_field", "x")
        self.assertError(self.end(cid, {"reason": "other"}, who="wang"),
                         403, "forbidden")
        other = self.d.post_call(good(risk="low")).json["id"]
        self.assertError(self.end(other, {"reason": "other"}), 404,
                         "not_found")
        self.assertEqual(self.plan(cid)["state"], "active")


class TestRedaction(FollowupTest):
    def test_attempt_notes_by_role(self):
        cid, steps = self.call()
        self.claim_item(steps[0])
        self.assertEqual(self.attempt(steps[0], "no_answer",
                                      note=NOTE).status, 200)
        # The writer (no longer holding it), supervisors and admins see
        # it; another counselor does not; operators may not read plans.
        for who, shown in (("zhao", True), ("chen", True), ("ops", True),
                           ("zhou", False)):
            a = self.plan(cid, who=who)["steps"][0]["attempt_log"][0]
            if shown:
                self.assertEqual(a["note"], NOTE, who)
            else:
                self.assertNotIn("note", a, who)
                self.assertEqual(a["redacted"], ["note"], who)
        self.assertError(self.d.request("GET", f"/v1/calls/{cid}/plan",
                                        who="wang"), 403)
        # The supervisor's read is audited like a read of the call.
        reads = [e for e in self.audit("call.read")
                 if e.get("who") == "chen"]
        self.assertTrue(reads)


class TestRetention(FollowupTest):
    retention = "  personal_days = 1;"

    def test_attempt_notes_erased_with_their_call(self):
        cid, steps = self.call()
        # Its referral done too: a call with an open item is kept.
        r = self.d.request("POST", "/v1/queues/mhc/claim", who="zhou")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.d.request(
            "POST", f"/v1/queue-items/{r.json['id']}/complete",
            {"resolution": "已转介"}, who="zhou").status, 200)
        self.claim_item(steps[0])
        self.assertEqual(self.attempt(steps[0], "no_answer",
                                      note=NOTE).status, 200)
        r = self.d.request("POST", f"/v1/calls/{cid}/plan/end",
                           {"reason": "declined"}, who="zhao")
        self.assertEqual(r.status, 200, r)
        self.d.stop()
        db = __import__("sqlite3").connect(self.d.db)
        try:
            db.execute("UPDATE calls SET started_at = started_at - 2 * 86400")
            db.commit()
        finally:
            db.close()
        self.d.start()
        self.assertTrue(wait_for(lambda: "erased the personal fields of 1"
                                 in self.d.stderr(), 20), self.d.stderr())
        a = self.plan(cid)["steps"][0]["attempt_log"][0]
        self.assertIsNone(a["note"])
        self.assertEqual(a["result"], "no_answer")
        with open(self.d.db, "rb") as f:
            self.assertNotIn(NOTE.encode(), f.read())


class TestConfig(unittest.TestCase):
    def check_bad(self, plans, setting, msg):
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        try:
            d = Daemon(tmp, plans=plans)
            p = subprocess.run([HOTLINED, "-t", "-c", d.conf], cwd=tmp,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            self.assertEqual(p.returncode, 78, p)
            self.assertRegex(p.stderr.decode(), r"hotlined\.conf:\d+: %s: .*%s"
                             % (setting, msg))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def plan(self, body):
        return 'plans = (\n  { code = "p"; name = "计划"; %s }\n);' % body

    def test_bad_plans_exit_78(self):
        self.check_bad(self.plan('queue = "mhc"; steps = [ "1d", "1d" ];'),
                       r"plans\[0\]\.steps\[1\]", "must come after")
        self.check_bad(self.plan('queue = "mhc"; steps = [ "0d" ];'),
                       r"plans\[0\]\.steps\[0\]", "0 seconds is out of")
        self.check_bad(self.plan('queue = "mhc"; steps = [ "soon" ];'),
                       r"plans\[0\]\.steps\[0\]", "is not a duration")
        self.check_bad(self.plan('queue = "mhc"; steps = [ ];'),
                       r"plans\[0\]\.steps", "must be a list")
        self.check_bad(self.plan('queue = "nowhere"; steps = [ "1d" ];'),
                       r"plans\[0\]\.queue", "unknown queue")
        self.check_bad(self.plan('queue = "mhc";'), r"plans\[0\]\.steps",
                       "is required")
        self.check_bad(self.plan('queue = "mhc"; steps = [ "1d" ]; '
                                 'attempts = 0;'), r"plans\[0\]\.attempts",
                       "0 is out of range")
        self.check_bad(self.plan('queue = "mhc"; steps = [ "1d" ]; '
                                 'risk_at_least = "dire";'),
                       r"plans\[0\]\.risk_at_least", "unknown risk")
        self.check_bad(self.plan('queue = "mhc"; steps = [ "1d" ]; '
                                 'every = "1d";'), r"plans\[0\]\.every",
                       "unknown setting")

    def test_bad_shifts_exit_78(self):
        for bad, msg in (('[ "08:00", "07:00" ]', "must come after"),
                         ('[ "24:00" ]', "must be a time"),
                         ('[ "8:00" ]', "must be a time"),
                         ('[ ]', "must be a list")):
            tmp = tempfile.mkdtemp(prefix="hotlined-test-")
            try:
                d = Daemon(tmp, plans=True)
                with open(d.conf, encoding="utf-8") as f:
                    text = f.read()
                text = re.sub(r"\nshifts = \[[^]]*\];",
                              "\nshifts = %s;" % bad, text)
                with open(d.conf, "w", encoding="utf-8") as f:
                    f.write(text)
                p = subprocess.run([HOTLINED, "-t", "-c", d.conf], cwd=tmp,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=30)
                self.assertEqual(p.returncode, 78, p)
                self.assertRegex(p.stderr.decode(),
                                 r"hotlined\.conf:\d+: shifts(\[\d\])?: %s"
                                 % msg)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()


class TestHandover(FollowupTest):
    status = True

    def handover(self, at=None, who="zhao"):
        path = "/v1/handover"
        if at is not None:
            path += "?at=" + urllib.parse.quote(at)
        r = self.d.request("GET", path, who=who)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_shift_boundaries_in_the_timezone(self):
        # dev.conf: shifts at 00:00, 08:00 and 16:00 in Asia/Shanghai.
        for at, starts, leaving in (
                ("2026-12-07T08:10:00+08:00", "2026-12-07T08:00:00+08:00",
                 "2026-12-07T00:00:00+08:00"),
                ("2026-12-07T07:50:00+08:00", "2026-12-07T08:00:00+08:00",
                 "2026-12-07T00:00:00+08:00"),
                ("2026-12-07T00:20:00Z", "2026-12-07T08:00:00+08:00",
                 "2026-12-07T00:00:00+08:00"),
                ("2026-12-07T23:55:00+08:00", "2026-12-08T00:00:00+08:00",
                 "2026-12-07T16:00:00+08:00"),
                ("2026-12-07T00:05:00+08:00", "2026-12-07T00:00:00+08:00",
                 "2026-12-06T16:00:00+08:00")):
            h = self.handover(at)
            self.assertEqual((h["shift"]["starts_at"],
                              h["shift"]["leaving_from"]), (starts, leaving),
                             at)
        self.assertError(self.d.request("GET", "/v1/handover", who="wang"),
                         403, "forbidden")
        self.assertError(self.d.request("GET", "/v1/handover?at=soon",
                                        who="zhao"), 400,
                         "invalid_parameter", "at")

    def test_what_the_next_shift_must_know(self):
        # zhou claims the low call's referral before the plan's steps
        # exist, so the claim cannot take a step that fell due first.
        low = self.d.post_call(good(risk="low", topics=["family"])).json
        self.claim_item(low["queue_items"][0]["item"], who="zhou")
        cid, steps = self.call()
        self.claim_item(steps[0])
        self.assertEqual(self.attempt(steps[0], "no_answer").status, 200)
        now = int(time.time())
        e = self.d.post_call(good(risk="moderate", emergency={
            "agency": "110", "contacted_at": datetime.datetime.fromtimestamp(
                now, datetime.timezone.utc).isoformat()})).json
        h = self.handover()
        high = [(i["call_id"], i["kind"]) for i in h["high_risk_open"]]
        self.assertIn((cid, "referral"), high)
        self.assertIn((cid, "followup-1"), high)
        self.assertNotIn(low["id"], [c for c, _ in high])
        dues = [i["due_at"] for i in h["high_risk_open"]]
        self.assertEqual(dues, sorted(dues, key=ts))
        self.assertEqual([(i["call_id"], i["claimed_by"]) for i in h["held"]],
                         [(low["id"], "zhou")])
        self.assertEqual([i["id"] for i in h["escalated_or_failed"]],
                         [steps[0]])
        self.assertEqual([c["call_id"] for c in h["emergencies_pending"]],
                         [e["id"]])
        self.assertEqual(h["emergencies_pending"][0]["emergency"]["agency"],
                         "110")
        # The client names the risk level and the agency.
        p = self.d.client("handover", who="zhao",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertRegex(p.out, r"\n尚未确认的紧急联动：\n  来电 %d（中风险）："
                         r"已于 [0-9-]+ [0-9:]+ \+0800 联系 110（公安）\n"
                         % e["id"])
        self.assertRegex(p.out, r"\n仍被领取、尚未完成的事项：\n  事项 [0-9]+（"
                         r"来电 %d，家庭关爱联络，转介）：已领取，.*，由 zhou 领取"
                         % low["id"])
        # The held call's personal fields only as the reader may see them.
        self.assertIn("redacted", h["held"][0]["call"])
        self.assertEqual(json.loads(self.d.status("/status").raw)
                         ["emergencies_pending"], 1)
        self.assertIn("hotlined_emergencies_pending 1",
                      self.d.status("/metrics").raw.decode())
        # Confirmed: gone from the handover and the status.
        p = self.d.request("PATCH", f"/v1/calls/{e['id']}",
                           {"emergency": {"confirmed": "confirmed"}})
        self.assertEqual(p.status, 200, p)
        self.assertEqual(self.handover()["emergencies_pending"], [])
        self.assertTrue(wait_for(lambda: json.loads(self.d.status(
            "/status").raw)["emergencies_pending"] == 0, 3))
        self.d.restart()
        self.assertEqual(json.loads(self.d.status("/status").raw)
                         ["emergencies_pending"], 0)


class TestClient(FollowupTest):
    def test_steps_named_in_queue_and_claim(self):
        cid, steps = self.call()
        zh = {"LANG": "zh_CN.UTF-8"}
        # A plan's step by its number, never its kind's code.
        p = self.d.client("queue", "family", who="zhao", env=zh)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"\n +%d +%d +1 +(未到时间|待领取) +第 1 次随访 "
                         % (steps[0], cid))
        self.assertRegex(p.out, r"\n +%d +%d +1 +未到时间 +第 2 次随访 "
                         % (steps[1], cid))
        p = self.d.client("queue", "family", who="zhao")
        self.assertRegex(p.out, r"\n +%d +%d +1 +\S+ +follow-up 1 "
                         % (steps[0], cid))
        got = wait_for(lambda: (lambda q: q if "nothing to claim" not in
                                q.out else None)(self.d.client(
                                    "claim", "family", who="zhao")), 6)
        self.assertIsNotNone(got, "nothing to claim")
        self.assertEqual(got.returncode, 0, got.err)
        self.assertRegex(got.out, r"^claimed item %d \(call %d, follow-up 1, "
                         r"priority 1\): yours until " % (steps[0], cid))
        p = self.d.client("item", str(steps[0]), who="zhao", env=zh)
        self.assertRegex(p.out, r"^事项 %d（来电 %d，第 1 次随访，优先级 1），"
                         r"家庭关爱联络：已领取\n" % (steps[0], cid))
        self.assertRegex(p.out, r"\n由 zhao 领取，领取期限至 ")
        for out in (got.out, p.out):
            self.assertNotIn("followup-", out)

    def test_attempt_plan_and_handover_commands(self):
        cid, steps = self.call()
        self.claim_item(steps[0])
        p = self.d.client("attempt", str(steps[0]), "--result", "no_answer",
                          "--note", NOTE, who="zhao")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"item %d \(call %d\): attempt 1 recorded; "
                         r"due again " % (steps[0], cid))
        p = self.d.client("attempt", str(steps[0]), "--result", "maybe",
                          who="zhao")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("result", p.err)
        p = self.d.client("attempt", str(steps[0]), who="zhao")
        self.assertEqual(p.returncode, 2, p.err)
        p = self.d.client("plan", str(cid), who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("call %d: plan high (高危随访), active" % cid, p.out)
        self.assertRegex(p.out, r"step 1 \(item %d\): (scheduled|waiting), "
                         r"due .*, attempts: 1\n" % steps[0])
        self.assertIn("zhao  no answer  " + NOTE, p.out)
        p = self.d.client("plan", str(cid), who="chen",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertIn("zhao  无人接听  " + NOTE, p.out)
        self.assertNotIn("no_answer", p.out)
        p = self.d.client("plan", str(cid), who="zhou")
        self.assertIn("(note not shown)", p.out)
        self.assertNotIn(NOTE, p.out)
        p = self.d.client("plan", "--json", str(cid), who="chen")
        self.assertEqual(json.loads(p.out)["plan"], "high")
        p = self.d.client("handover", who="zhao")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("handover to the shift starting", p.out)
        # The queue by its name, the kind and the state in words.
        self.assertRegex(p.out, r"\n  item %d \(call %d, 家庭关爱联络, "
                         r"follow-up 1\): (scheduled|waiting), due "
                         % (steps[0], cid))
        self.assertNotIn("followup-", p.out)
        self.assertIn("emergencies not yet confirmed:\n  none", p.out)
        p = self.d.client("handover", "--at", "2026-12-07T07:50:00+08:00",
                          "--json", who="zhao")
        self.assertEqual(json.loads(p.out)["shift"]["starts_at"],
                         "2026-12-07T08:00:00+08:00")
        # In Chinese.
        p = self.d.client("handover", who="zhao",
                          env={"LANG": "zh_CN.UTF-8"})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertNotIn("handover to the shift", p.out)
        self.assertRegex(p.out, r"\n  事项 %d（来电 %d，家庭关爱联络，第 1 次随访）："
                         r"(未到时间|待领取)，" % (steps[0], cid))
        self.assertIn("\n上一班次内已上报或未联系上的事项：\n  事项 %d（" % steps[0],
                      p.out)
        for code in ("followup-", "family，", "scheduled", "waiting",
                     "referral"):
            self.assertNotIn(code, p.out)
