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

    def test_shown_in_words(self):
        now = datetime.datetime.now(SH).replace(microsecond=0)
        p = self.log("--started", (now - datetime.timedelta(minutes=10))
                     .isoformat(), "--ideation", "7", "--hopelessness", "6",
                     "--screener", SCREENER, "--plan-timeframe", "1w",
                     "--safety-plan", SAFETY, "--emergency-agency", "120",
                     "--emergency-reference", "QD-120-0042")
        self.assertEqual(p.returncode, 0, p.err)
        cid = json.loads(p.out)["id"]
        p = self.d.client("amend", str(cid), "--plan-timeframe", "72h",
                          "--emergency-confirmed", "confirmed")
        self.assertEqual(p.returncode, 0, p.err)
        # The fields by their labels, their codes in words: in Chinese.
        z = self.d.client("show", str(cid), env={"LANG": "zh_CN.UTF-8"})
        self.assertEqual(z.returncode, 0, z.err)
        for line in (
                r"  自杀意念强度 +7（0-10）\n",
                r"  无望感 +6（0-10）\n",
                r"  哥伦比亚自杀风险筛查（近三个月）\n +希望自己死去：是，"
                r"主动的自杀想法：是，想过自杀方法：否，有付诸行动的意图：不确定，"
                r"有具体计划：是，自杀行为：否\n",
                r"  计划时间框架 +72 小时内\n",
                r"  安全计划 +预警信号：是，应对步骤：是，可求助的人和地方：否，"
                r"专业机构联系方式：不确定，已限制致命手段：是\n",
                r"  紧急联动 +120（急救），联系时间 [0-9-]+ [0-9:]+ \+0800，"
                r"接警/受理编号 QD-120-0042，已确认联系到来电者\n",
                # The amendment too.
                r"      计划时间框架：一周内 → 72 小时内\n",
                r"      紧急联动：120（急救），.*，待确认 → 120（急救），.*，"
                r"已确认联系到来电者\n"):
            self.assertRegex(z.out, line)
        # In English.
        e = self.d.client("show", str(cid))
        for line in (
                r"  suicidal ideation +7 \(0-10\)\n",
                r"  hopelessness +6 \(0-10\)\n",
                r"  Columbia screener \(last three months\)\n +wished to be "
                r"dead: yes, active thoughts of suicide: yes, .*, suicidal "
                r"behavior: no\n",
                r"  plan time frame +within 72 hours\n",
                r"  safety plan +warning signs: yes, .*, means made safer: "
                r"yes\n",
                r"  emergency linkage +120 \(ambulance\), contacted [0-9-]+ "
                r"[0-9:]+ \+0800, reference QD-120-0042, contact with the "
                r"caller confirmed\n"):
            self.assertRegex(e.out, line)
        # No field's name and no code, in either language.
        self.assertNotIn("hopelessness", z.out)
        for out in (z.out, e.out):
            # (In English "hopelessness" is its label too: its value is
            # "6 (0-10)", checked above.)
            for f in ("ideation_intensity", "screener", "plan_timeframe",
                      "safety_plan", "emergency"):
                self.assertNotIn("\n  %s  " % f, out)
                self.assertNotIn("\n      %s:" % f, out)
            for raw in ("wish_dead", "means_safer", "agency", "72h", "1w",
                        "\"", "{"):
                self.assertNotIn(raw, out)
        for raw in ("pending", "confirmed", "yes", "unknown"):
            self.assertNotIn(raw, z.out)
        # A call of no crisis record lists none of its fields.
        p = self.d.client("log", "-l", "400", "-c", "medic", "-t", "sleep",
                          "-r", "low")
        self.assertEqual(p.returncode, 0, p.err)
        z = self.d.client("show", str(cid + 1), env={"LANG": "zh_CN.UTF-8"})
        for label in ("自杀意念强度", "无望感", "哥伦比亚", "计划时间框架",
                      "紧急联动"):
            self.assertNotIn(label, z.out)

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
                (["--plan-timeframe", "soon"], "plan time frame")):
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
