"""crisis = { require_from; require; } in the config: the crisis fields a
call must carry from a risk level up, refused with 422 naming the first
missing field on POST and PATCH (a call below the level is not asked);
the codes and the requirement in GET /v1/schema; the interactive form
asks for them once the risk reaches the level; a bad setting exits 78
naming the line; calls stored before it are held to it only when an
amendment touches their risk or a crisis field."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import HOTLINED, HOTLINE, Daemon, DaemonTest, good
from test_i18n import Terminal

REQUIRE = """
crisis = {
  require_from = "high";
  require = [ "ideation_intensity", "hopelessness", "screener",
              "plan_timeframe" ];
};
"""
SCREENER = {"wish_dead": "yes", "active_thoughts": "yes", "method": "no",
            "intent": "no", "plan": "no", "behavior": "no"}


class TestRequired(DaemonTest):
    extra = REQUIRE

    def test_post_names_the_missing_field(self):
        for body, field in (
                ({}, "ideation_intensity"),
                ({"ideation_intensity": 6}, "hopelessness"),
                ({"ideation_intensity": 6, "hopelessness": 4}, "screener"),
                # A plan in place: its time frame is required too.
                ({"ideation_intensity": 6, "hopelessness": 4,
                  "screener": dict(SCREENER, plan="yes")},
                 "plan_timeframe")):
            for risk in ("high", "imminent"):
                r = self.d.post_call(good(risk=risk, **body))
                self.assertError(r, 422, "required_field", field)
                self.assertIn("high", r.json["message"])
        self.assertEqual(self.d.count_rows(), 0)
        # Below the level nothing is asked; at it, all of them.
        self.assertEqual(self.d.post_call(good(risk="moderate")).status,
                         201)
        r = self.d.post_call(good(risk="high", ideation_intensity=6,
                                  hopelessness=4, screener=SCREENER))
        self.assertEqual(r.status, 201, r)
        r = self.d.post_call(good(risk="high", ideation_intensity=6,
                                  hopelessness=4, plan_timeframe="1w",
                                  screener=dict(SCREENER, plan="yes")))
        self.assertEqual(r.status, 201, r)
        # Bad input is still a 400 before the requirement is looked at.
        r = self.d.post_call(good(risk="high", ideation_intensity=11))
        self.assertError(r, 400, "invalid_field", "ideation_intensity")

    def test_patch_into_the_level(self):
        cid = self.d.post_call(good(risk="low")).json["id"]
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"})
        self.assertError(r, 422, "required_field", "ideation_intensity")
        self.assertEqual(self.d.request("GET", f"/v1/calls/{cid}")
                         .json["risk"], "low")
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {
            "risk": "high", "ideation_intensity": 3, "hopelessness": 2,
            "screener": SCREENER})
        self.assertEqual(r.status, 200, r)
        # A later change may not drop one.
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"hopelessness": None})
        self.assertError(r, 422, "required_field", "hopelessness")

    def test_schema(self):
        s = self.d.request("GET", "/v1/schema").json
        c = s["crisis"]
        self.assertEqual(c["required"], {
            "from": "high", "fields": ["ideation_intensity", "hopelessness",
                                       "screener", "plan_timeframe"]})
        self.assertEqual(c["plan_timeframes"], ["72h", "1w", "later"])
        self.assertEqual(c["emergency_agencies"],
                         ["110", "120", "119", "family", "workplace",
                          "other"])
        self.assertEqual(c["emergency_outcomes"],
                         ["confirmed", "not_confirmed", "pending"])
        self.assertEqual(c["screener_items"],
                         ["wish_dead", "active_thoughts", "method",
                          "intent", "plan", "behavior"])
        self.assertEqual(c["safety_plan_items"],
                         ["warning_signs", "coping_steps", "people_places",
                          "professional_contacts", "means_safer"])
        self.assertEqual(c["answers"], ["yes", "no", "unknown"])
        self.assertEqual(c["intensity_bands"], ["0", "1-3", "4-6", "7-10"])
        self.assertEqual(c["score_range"], [0, 10])
        self.assertEqual(s["attempt_results"],
                         ["reached", "no_answer", "busy", "refused",
                          "wrong_number", "left_message"])
        self.assertEqual(s["plan_end_reasons"],
                         ["declined", "in_treatment", "transferred",
                          "unreachable", "other"])
        # The harness runs without plans unless asked.
        self.assertEqual(s["plans"], [])


class TestOlderCalls(DaemonTest):
    """Calls stored before the requirement: a change of something else
    (a legal hold, the outcome) goes through; one of the risk or a crisis
    field is held to it."""

    def test_other_changes_pass(self):
        cid = self.d.post_call(good(risk="high")).json["id"]
        self.d.stop()
        with open(self.d.conf, "a", encoding="utf-8") as f:
            f.write(REQUIRE)
        self.d.start()
        self.assertEqual(self.d.request("PATCH", f"/v1/calls/{cid}",
                                        {"legal_hold": True}, who="chen")
                         .status, 200)
        self.assertEqual(self.d.request("PATCH", f"/v1/calls/{cid}",
                                        {"outcome": "referred"}).status, 200)
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "imminent"})
        self.assertError(r, 422, "required_field", "ideation_intensity")
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"ideation_intensity": 5})
        self.assertError(r, 422, "required_field", "hopelessness")
        self.assertEqual(self.d.request("GET", f"/v1/calls/{cid}")
                         .json["version"], 3)


class TestSchemaPlans(DaemonTest):
    plans = True

    def test_the_sample_plans(self):
        s = self.d.request("GET", "/v1/schema").json
        p = {x["code"]: x for x in s["plans"]}
        self.assertEqual(sorted(p), ["high", "imminent"])
        self.assertEqual(p["high"]["risk_at_least"], "high")
        self.assertEqual(p["high"]["steps_s"],
                         [86400, 3 * 86400, 7 * 86400, 30 * 86400])
        self.assertEqual(p["imminent"]["queue"], "mhc")
        self.assertEqual(s["crisis"]["required"],
                         {"from": None, "fields": []})


class TestForm(DaemonTest):
    extra = REQUIRE

    def terminal(self, *args, lang="C.UTF-8"):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": self.tmp, "TERM": "xterm", "LANG": lang,
               "TZ": "Asia/Shanghai",
               "XDG_STATE_HOME": os.path.join(self.tmp, "state"),
               "XDG_CONFIG_HOME": os.path.join(self.tmp, "xdg"),
               "HOTLINE_TOKEN": "dev-operator-wang"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        t = Terminal([HOTLINE, "--server", "http://127.0.0.1:%d"
                      % self.d.port, "log"] + list(args), env)
        self.addCleanup(t.kill)
        return t

    def answer(self, t, pairs):
        for prompt, answer in pairs:
            t.expect(prompt)
            if answer is not None:
                t.send(answer + "\r")

    CRISIS = (("suicidal ideation, 0-10", "12"),
              ("a whole number from 0 to 10", None),
              ("suicidal ideation, 0-10", "7"),
              ("hopelessness, 0-10", "5"),
              ("wished to be dead", "yes"),
              ("active thoughts of suicide", "1"),
              ("thought of a method", "no"),
              ("intent to act on them", "unknown"),
              ("a plan worked out", "yes"),
              ("suicidal behavior", "no"),
              ("the plan's time frame", "72h"))

    def check_stored(self):
        rec = self.d.request("GET", "/v1/calls/1", who="chen").json
        self.assertEqual((rec["risk"], rec["ideation_intensity"],
                          rec["hopelessness"], rec["plan_timeframe"]),
                         ("high", 7, 5, "72h"))
        self.assertEqual(rec["screener"], {
            "wish_dead": "yes", "active_thoughts": "yes", "method": "no",
            "intent": "unknown", "plan": "yes", "behavior": "no"})

    def test_flags_given_then_the_crisis_fields(self):
        t = self.terminal("--line", "400", "--caller-type", "medic",
                          "--topic", "anxiety", "--risk", "high")
        self.answer(t, self.CRISIS)
        self.assertEqual(t.finish(), 0, t.text())
        self.assertIn("logged call 1", t.text())
        self.check_stored()

    def test_whole_form_asks_them_after_the_risk(self):
        t = self.terminal("--line", "400", "--topic", "anxiety")
        self.answer(t, (("caller type", "medic"), ("call type", ""),
                        ("gender", ""), ("age band", ""),
                        ("risk (number or code)", "high"),
                        ("suicidal desire", ""), ("suicidal capability", ""),
                        ("suicidal intent", ""), ("buffers", ""),
                        ("emergency", "")) + self.CRISIS +
                    (("outcome", ""), ("duration", ""),
                     ("notes", None), (">", ""), ("consent", "")))
        t.expect("q: quit without saving")
        t.send("s")
        self.assertEqual(t.finish(), 0, t.text())
        self.check_stored()

    def test_in_chinese(self):
        t = self.terminal("--line", "400", "--caller-type", "medic",
                          "--topic", "anxiety", "--risk", "imminent",
                          lang="zh_CN.UTF-8")
        self.answer(t, (("自杀意念强度，0-10", "abc"),
                        ("请输入 0 至 10 的整数", None),
                        ("自杀意念强度，0-10", "10"),
                        ("无望感，0-10", "9"),
                        ("哥伦比亚自杀风险筛查（近三个月）", None),
                        ("希望自己死去", "1"), ("主动的自杀想法", "1"),
                        ("想过自杀方法", "1"), ("有付诸行动的意图", "1"),
                        ("有具体计划", "1"), ("自杀行为", "2"),
                        ("计划时间框架", "1")))
        self.assertEqual(t.finish(), 0, t.text())
        rec = self.d.request("GET", "/v1/calls/1", who="chen").json
        self.assertEqual((rec["risk"], rec["ideation_intensity"],
                          rec["hopelessness"], rec["plan_timeframe"]),
                         ("imminent", 10, 9, "72h"))

    def test_low_risk_is_not_asked(self):
        t = self.terminal("--line", "400", "--caller-type", "medic",
                          "--topic", "anxiety", "--risk", "low")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertNotIn("ideation", t.text())


class TestConfig(unittest.TestCase):
    def check_bad(self, text, setting, msg):
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        try:
            d = Daemon(tmp, extra=text)
            p = subprocess.run([HOTLINED, "-t", "-c", d.conf], cwd=tmp,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            self.assertEqual(p.returncode, 78, p)
            self.assertRegex(p.stderr.decode(),
                             r"hotlined\.conf:\d+: %s: .*%s" % (setting, msg))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_bad_crisis_exit_78(self):
        self.check_bad('crisis = { require_from = "dire"; require = '
                       '[ "screener" ]; };', r"crisis\.require_from",
                       "unknown risk level")
        self.check_bad('crisis = { require_from = "high"; require = '
                       '[ "mood" ]; };', r"crisis\.require",
                       'unknown crisis field "mood"')
        self.check_bad('crisis = { require_from = "high"; };',
                       r"crisis\.require", "is required with")
        self.check_bad('crisis = { require = [ "screener" ]; };',
                       r"crisis\.require_from", "is required with")
        self.check_bad('crisis = { require_from = "high"; require = [ ]; };',
                       r"crisis\.require", "must be a non-empty list")
        self.check_bad('crisis = { require_from = "high"; require = '
                       '[ "screener" ]; every = 1; };', r"crisis\.every",
                       "unknown setting")
        self.check_bad('crisis = 3;', r"crisis", "must be a group")

    def test_good_crisis_is_accepted(self):
        tmp = tempfile.mkdtemp(prefix="hotlined-test-")
        try:
            d = Daemon(tmp, extra=REQUIRE)
            p = subprocess.run([HOTLINED, "-t", "-c", d.conf], cwd=tmp,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            self.assertEqual(p.returncode, 0, p)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
