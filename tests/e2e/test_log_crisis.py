"""hotline log and amend with the crisis record's flags: the scores, the
screener, the plan's time frame, the safety plan and the emergency
linkage sent as the API's fields, local times in the server's timezone,
the linkage made now when no time is given, confirmed by amending; bad
values refused before any request (exit 2) naming the flag, or by the
server naming the field, and nothing logged."""
import datetime
import json

from harness import DaemonTest

BASE = ["-l", "400", "-c", "medic", "-t", "other", "-r", "high"]
SCREENER = ("wish_dead=yes,active_thoughts=yes,method=no,intent=unknown,"
            "plan=yes,behavior=no")
SAFETY = ("warning_signs=yes,coping_steps=y,people_places=no,"
          "professional_contacts=unknown,means_safer=yes")
SH = datetime.timezone(datetime.timedelta(hours=8))


def ts(s):
    return datetime.datetime.fromisoformat(s).timestamp()


class TestLogCrisis(DaemonTest):
    def log(self, *args, **kw):
        return self.d.client("log", "--json", *BASE, *args, **kw)

    def test_every_flag_sent_as_its_field(self):
        now = datetime.datetime.now(SH).replace(microsecond=0)
        started = (now - datetime.timedelta(minutes=10)).isoformat()
        at = (now - datetime.timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
        p = self.log("--started", started, "--ideation", "7",
                     "--hopelessness", "0", "--screener", SCREENER,
                     "--plan-timeframe", "72h", "--safety-plan", SAFETY,
                     "--emergency-agency", "120", "--emergency-at", at,
                     "--emergency-reference", "QD-120-0042")
        self.assertEqual(p.returncode, 0, p.err)
        c = json.loads(p.out)
        self.assertEqual((c["ideation_intensity"], c["hopelessness"]), (7, 0))
        self.assertEqual(c["screener"], {
            "wish_dead": "yes", "active_thoughts": "yes", "method": "no",
            "intent": "unknown", "plan": "yes", "behavior": "no"})
        self.assertEqual(c["plan_timeframe"], "72h")
        self.assertEqual(c["safety_plan"], {
            "warning_signs": "yes", "coping_steps": "yes",
            "people_places": "no", "professional_contacts": "unknown",
            "means_safer": "yes"})
        e = c["emergency"]
        self.assertEqual((e["agency"], e["reference"], e["confirmed"]),
                         ("120", "QD-120-0042", "pending"))
        # "YYYY-MM-DD HH:MM" is in the server's timezone (Asia/Shanghai).
        self.assertEqual(ts(e["contacted_at"]), datetime.datetime.strptime(
            at, "%Y-%m-%d %H:%M").replace(tzinfo=SH).timestamp())
        self.assertTrue(c["emergency_contacted"])

        # Confirmed by amending: only that member sent, the rest kept.
        p = self.d.client("amend", "--json", str(c["id"]),
                          "--emergency-confirmed", "confirmed")
        self.assertEqual(p.returncode, 0, p.err)
        a = json.loads(p.out)
        self.assertEqual(a["emergency"], dict(e, confirmed="confirmed"))
        self.assertEqual(a["version"], 2)
        p = self.d.client("amend", "--json", str(c["id"]), "--clear",
                          "hopelessness", "--ideation", "9")
        self.assertEqual(p.returncode, 0, p.err)
        a = json.loads(p.out)
        self.assertEqual((a["ideation_intensity"], a["hopelessness"]),
                         (9, None))

    def test_emergency_without_a_time_is_made_now(self):
        before = datetime.datetime.now(datetime.timezone.utc).timestamp()
        p = self.log("--emergency-agency", "110")
        after = datetime.datetime.now(datetime.timezone.utc).timestamp()
        self.assertEqual(p.returncode, 0, p.err)
        e = json.loads(p.out)["emergency"]
        self.assertEqual((e["agency"], e["confirmed"]), ("110", "pending"))
        self.assertGreaterEqual(ts(e["contacted_at"]), int(before))
        self.assertLessEqual(ts(e["contacted_at"]), after)

    def test_bad_values_named_and_nothing_logged(self):
        for args, named in (
                (["--ideation", "11"], "--ideation: '11'"),
                (["--hopelessness", "-1"], "--hopelessness: '-1'"),
                (["--ideation", "7.5"], "--ideation: '7.5'"),
                (["--screener", "wish_dead=yes"],
                 "--screener: give all 6 items"),
                (["--screener", "wish_dead=maybe"], "--screener: "
                 "'wish_dead=maybe' is not ITEM=ANSWER"),
                (["--safety-plan", SAFETY + ",means_safer=no"],
                 "--safety-plan: 'means_safer=no'"),
                (["--safety-plan", "desire=yes"], "items warning_signs, "
                 "coping_steps, people_places, professional_contacts, "
                 "means_safer"),
                (["--emergency-agency", "110", "--emergency-at", "soon"],
                 "--emergency-at: 'soon' is not a time")):
            p = self.log(*args)
            self.assertEqual(p.returncode, 2, (args, p.err))
            self.assertIn(named, p.err, args)
        # The server's refusals name the field.
        for args, named in (
                (["--emergency-agency", "ambulance"], "emergency.agency"),
                (["--emergency-reference", "X"], "emergency.agency"),
                (["--plan-timeframe", "soon"], "plan_timeframe")):
            p = self.log(*args)
            self.assertEqual(p.returncode, 1, (args, p.err))
            self.assertIn(named, p.err, args)
        self.assertEqual(self.d.count_rows("calls"), 0)
        p = self.d.client("amend", "1", "--clear", "emergency-agency")
        self.assertEqual(p.returncode, 2, p.err)

    def test_help_in_both_languages(self):
        p = self.d.client("log", "--help")
        for flag in ("--ideation N", "--hopelessness N", "--screener",
                     "--plan-timeframe", "--safety-plan",
                     "--emergency-agency", "--emergency-at",
                     "--emergency-reference", "--emergency-confirmed"):
            self.assertIn(flag, p.out)
        z = self.d.client("log", "--help", env={"LANG": "zh_CN.UTF-8"})
        self.assertIn("--emergency-agency", z.out)
        self.assertIn("紧急联动", z.out)
        self.assertIn("自杀意念强度", z.out)
