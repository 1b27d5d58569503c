"""The crisis record of a call: the scores, the Columbia screener, a
plan's time frame, the safety plan (personal: redacted and erased like
the notes) and the emergency linkage (the old boolean still accepted),
each checked with an error naming the field; amendments keep history."""
import datetime
import sqlite3
import time

from harness import DaemonTest, good

SCREENER = {"wish_dead": "yes", "active_thoughts": "yes", "method": "no",
            "intent": "unknown", "plan": "yes", "behavior": "no"}
SAFETY = {"warning_signs": "yes", "coping_steps": "yes",
          "people_places": "no", "professional_contacts": "yes",
          "means_safer": "unknown"}


def rfc3339(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone(datetime.timedelta(hours=8))).isoformat(
        timespec="seconds")


def crisis(**kw):
    # Started a while ago: an emergency contacted "now" is after it.
    c = good(started_at=rfc3339(time.time() - 300), risk="high",
             topics=["other"], ideation_intensity=7,
             hopelessness=8, screener=SCREENER, plan_timeframe="72h",
             safety_plan=SAFETY)
    c.update(kw)
    return c


class TestCrisisRecord(DaemonTest):
    def test_stored_and_shown(self):
        now = int(time.time())
        r = self.d.post_call(crisis(emergency={
            "agency": "120", "contacted_at": rfc3339(now),
            "reference": "QD-2026-118"}))
        self.assertEqual(r.status, 201, r)
        j = r.json
        self.assertEqual((j["ideation_intensity"], j["hopelessness"],
                          j["plan_timeframe"]), (7, 8, "72h"))
        self.assertEqual(j["screener"], SCREENER)
        self.assertEqual(j["safety_plan"], SAFETY)
        self.assertEqual(j["emergency"], {
            "agency": "120", "contacted_at": rfc3339(now),
            "reference": "QD-2026-118", "confirmed": "pending"})
        # The lone boolean stays true and reported.
        self.assertIs(j["emergency_contacted"], True)
        g = self.d.request("GET", f"/v1/calls/{j['id']}").json
        self.assertEqual(g["emergency"], j["emergency"])
        # A call without them reads null for each.
        p = self.d.post_call(good()).json
        for f in ("ideation_intensity", "hopelessness", "screener",
                  "plan_timeframe", "safety_plan", "emergency"):
            self.assertIsNone(p[f], f)
        self.assertIs(p["emergency_contacted"], False)
        # The old boolean alone is still accepted.
        b = self.d.post_call(good(emergency_contacted=True)).json
        self.assertIs(b["emergency_contacted"], True)
        self.assertIsNone(b["emergency"])

    def test_bad_fields_named(self):
        now = int(time.time())
        cases = [
            ({"ideation_intensity": 11}, "invalid_field",
             "ideation_intensity"),
            ({"hopelessness": -1}, "invalid_field", "hopelessness"),
            ({"hopelessness": "high"}, "invalid_field", "hopelessness"),
            ({"screener": {"wish_dead": "yes"}}, "missing_field",
             "screener.active_thoughts"),
            ({"screener": dict(SCREENER, method="maybe")}, "invalid_field",
             "screener.method"),
            ({"screener": dict(SCREENER, mood="low")}, "invalid_field",
             "screener"),
            ({"screener": dict(SCREENER, plan="no")}, "invalid_field",
             "plan_timeframe"),
            ({"plan_timeframe": "soon"}, "invalid_field", "plan_timeframe"),
            ({"safety_plan": ["yes"]}, "invalid_field", "safety_plan"),
            ({"emergency": {"confirmed": "confirmed"}}, "missing_field",
             "emergency.agency"),
            ({"emergency": {"agency": "911",
                            "contacted_at": rfc3339(now)}},
             "invalid_field", "emergency.agency"),
            ({"emergency": {"agency": "110"}}, "missing_field",
             "emergency.contacted_at"),
            ({"emergency": {"agency": "110",
                            "contacted_at": rfc3339(now + 3600)}},
             "invalid_field", "emergency.contacted_at"),
            ({"emergency": {"agency": "110", "contacted_at": rfc3339(now),
                            "confirmed": "yes"}}, "invalid_field",
             "emergency.confirmed"),
            ({"emergency": {"agency": "110", "contacted_at": rfc3339(now),
                            "reference": "x" * 65}}, "invalid_field",
             "emergency.reference"),
            ({"emergency": True}, "invalid_field", "emergency"),
        ]
        for extra, kind, field in cases:
            r = self.d.post_call(crisis(**extra))
            self.assertError(r, 400, kind, field)
        # Contacted before the call started.
        r = self.d.post_call(crisis(
            started_at=rfc3339(now - 600),
            emergency={"agency": "110", "contacted_at": rfc3339(now - 900)}))
        self.assertError(r, 400, "invalid_field", "emergency.contacted_at")
        self.assertEqual(self.d.count_rows("calls"), 0)

    def test_safety_plan_redacted_for_every_role(self):
        cid = self.d.post_call(crisis()).json["id"]
        self.d.request("PATCH", f"/v1/calls/{cid}", {"safety_plan": dict(
            SAFETY, people_places="yes")})
        for who, shown in (("wang", True), ("chen", True), ("ops", True),
                           ("zhao", False), ("li", None)):
            r = self.d.request("GET", f"/v1/calls/{cid}", who=who)
            if shown is None:
                self.assertEqual(r.status, 403, who)
                continue
            self.assertEqual(r.status, 200, (who, r))
            if shown:
                self.assertEqual(r.json["safety_plan"]["people_places"],
                                 "yes", who)
            else:
                self.assertNotIn("safety_plan", r.json, who)
                self.assertIn("safety_plan", r.json["redacted"], who)
                # Nor its old value in the history.
                hist = r.json.get("history", [])
                for h in hist:
                    self.assertNotIn("people_places", str(h["changes"]))
                # The scores are not personal.
                self.assertEqual(r.json["ideation_intensity"], 7)

    def test_emergency_confirmed_by_amendment_with_history(self):
        now = int(time.time())
        cid = self.d.post_call(crisis(emergency={
            "agency": "110", "contacted_at": rfc3339(now)})).json["id"]
        p = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"emergency": {"confirmed": "confirmed",
                                          "reference": "JQ-7"}})
        self.assertEqual(p.status, 200, p)
        self.assertEqual(p.json["emergency"], {
            "agency": "110", "contacted_at": rfc3339(now),
            "reference": "JQ-7", "confirmed": "confirmed"})
        g = self.d.request("GET", f"/v1/calls/{cid}", who="chen").json
        ch = g["history"][-1]["changes"]["emergency"]
        self.assertEqual(ch["from"]["confirmed"], "pending")
        self.assertEqual(ch["to"]["confirmed"], "confirmed")
        # Confirmed before any was recorded: refused, naming the field.
        other = self.d.post_call(crisis()).json["id"]
        r = self.d.request("PATCH", f"/v1/calls/{other}",
                           {"emergency": {"confirmed": "confirmed"}})
        self.assertError(r, 400, "missing_field", "emergency.agency")

    def test_safety_plan_erased_with_the_call(self):
        self.d.stop()
        self.d = type(self.d)(self.tmp, retention="  personal_days = 1;")
        self.d.start()
        cid = self.d.post_call(crisis(
            risk="moderate", started_at=rfc3339(time.time() - 3 * 86400)
        )).json["id"]
        self.d.request("PATCH", f"/v1/calls/{cid}", {"safety_plan": dict(
            SAFETY, means_safer="yes")})
        self.d.restart()
        deadline = time.time() + 20
        while time.time() < deadline and "erased the personal fields of 1" \
                not in self.d.stderr():
            time.sleep(0.1)
        g = self.d.request("GET", f"/v1/calls/{cid}", who="chen").json
        self.assertNotIn("safety_plan", g)
        self.assertIn("safety_plan", g["erased"])
        self.assertEqual(g["ideation_intensity"], 7)
        db = sqlite3.connect(self.d.db)
        try:
            (c,), = db.execute("SELECT crisis FROM calls WHERE id = ?",
                               (cid,)).fetchall()
            self.assertNotIn("safety_plan", c)
            (h,), = db.execute("SELECT changes FROM call_history "
                               "WHERE call_id = ?", (cid,)).fetchall()
            self.assertIn('"safety_plan":"(erased)"', h)
        finally:
            db.close()
