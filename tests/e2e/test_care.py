"""The care register end to end: people under care with their liaison,
family, contacts and difficulties; who may see whom (a liaison only their
own people, 403 otherwise; supervisors and admins all; operators and
counselors only the link on a call); every read by anyone but the liaison
audited; the next contact due every N days and overdue from the local
midnight after its day, in the configured timezone; a difficulty resolved
or handed to a queue as an item; the end date for everyone; retention
and legal hold on register entries; every bad field named."""
import datetime
import http.client
import json
import os
import select
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

from harness import DEV_CONF, DEV_LIMITS, HOTLINED, DaemonTest, good

PERSON = {"name": "张三", "gender": "男", "category": "护士",
          "post": "主管护师", "phone": "138 0000 1111",
          "unit": "青岛市市立医院", "team": "援鄂医疗队", "liaison": "sun",
          "family": [{"name": "李四", "relation": "配偶",
                      "phone": "139-0000-2222"}]}


def person(**kw):
    p = dict(PERSON)
    p.update(kw)
    return p


def day(s):
    return datetime.date.fromisoformat(s)


class CareTest(DaemonTest):
    def add(self, who="chen", **kw):
        r = self.d.request("POST", "/v1/care/people", person(**kw), who=who)
        self.assertEqual(r.status, 201, r)
        return r.json

    def audit(self, action):
        db = sqlite3.connect(self.d.db)
        try:
            return db.execute("SELECT who, detail FROM audit WHERE action"
                              " = ? ORDER BY id", (action,)).fetchall()
        finally:
            db.close()

    def test_a_person_with_family_codes_and_plan(self):
        p = self.add()
        self.assertEqual((p["team"], p["category"], p["gender"]),
                         ("aid_hubei", "nurse", "male"))
        self.assertEqual(p["every_days"], 7)
        self.assertEqual(day(p["next_due"]) - day(p["start_date"]),
                         datetime.timedelta(days=7))
        self.assertFalse(p["overdue"])
        self.assertEqual(p["family"][0]["relation"], "配偶")
        r = self.d.request("GET", "/v1/care/people/%d" % p["id"], who="sun")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["name"], "张三")
        self.assertEqual(r.json["contacts"], [])
        self.assertEqual(r.json["calls"], [])

    def test_the_same_person_twice_is_a_conflict_not_a_duplicate(self):
        p = self.add()
        r = self.d.request("POST", "/v1/care/people",
                           person(phone="13800001111"), who="chen")
        self.assertError(r, 409, "duplicate", "name")
        self.assertIn(str(p["id"]), r.json["message"])
        self.assertEqual(self.d.count_rows("care_people"), 1)

    def test_every_field_validated_by_name(self):
        for body, kind, field in (
                (person(name=None), "missing_field", "name"),
                (person(unit=""), "missing_field", "unit"),
                (person(team="navy"), "invalid_field", "team"),
                (person(category="pilot"), "invalid_field", "category"),
                (person(phone="call me"), "invalid_field", "phone"),
                (person(gender="x"), "invalid_field", "gender"),
                (person(liaison="chen"), "invalid_field", "liaison"),
                (person(every_days=0), "invalid_field", "every_days"),
                (person(start_date="2020-02-30"), "invalid_field",
                 "start_date"),
                (person(start_date="2020-03-01", end_date="2020-02-01"),
                 "invalid_field", "end_date"),
                (person(family=[{"name": "x", "phone": "no"}]),
                 "invalid_field", "family[0].phone"),
                (person(family=[{"age": 3}]), "unknown_field", "family[0]"),
                (person(colour="red"), "unknown_field", "colour")):
            r = self.d.request("POST", "/v1/care/people", body, who="chen")
            self.assertError(r, 400, kind, field)
        self.assertEqual(self.d.count_rows("care_people"), 0)

    def test_roles(self):
        p = self.add()
        other = self.add(name="王五", phone="13700003333", liaison="wu")
        # A liaison sees only their own people.
        r = self.d.request("GET", "/v1/care/people", who="sun")
        self.assertEqual([x["id"] for x in r.json["people"]], [p["id"]])
        self.assertError(self.d.request(
            "GET", "/v1/care/people/%d" % other["id"], who="sun"), 403,
            "forbidden")
        self.assertError(self.d.request(
            "PATCH", "/v1/care/people/%d" % other["id"], {"post": "x"},
            who="sun"), 403, "forbidden")
        self.assertError(self.d.request(
            "POST", "/v1/care/people/%d/contacts" % other["id"],
            {"kind": "phone"}, who="sun"), 403, "forbidden")
        self.assertError(self.d.request(
            "GET", "/v1/care/people?liaison=wu", who="sun"), 403,
            "forbidden", "liaison")
        # Supervisors and admins see all.
        for who in ("chen", "ops"):
            r = self.d.request("GET", "/v1/care/people", who=who)
            self.assertEqual(len(r.json["people"]), 2, who)
        # Operators and counselors see no register; liaisons no calls.
        for who in ("wang", "zhao"):
            self.assertError(self.d.request("GET", "/v1/care/people",
                                            who=who), 403, "forbidden")
            self.assertError(self.d.request(
                "GET", "/v1/care/people/%d" % p["id"], who=who), 403)
        self.assertError(self.d.request("GET", "/v1/calls", who="sun"), 403)
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        who="sun").json["role"], "liaison")
        # A liaison adds people for themself only.
        r = self.d.request("POST", "/v1/care/people",
                           person(name="赵六", liaison=None), who="wu")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["liaison"], "wu")
        self.assertError(self.d.request(
            "POST", "/v1/care/people", person(name="钱七"), who="wu"), 403,
            "forbidden", "liaison")
        self.assertError(self.d.request(
            "PATCH", "/v1/care/people/%d" % r.json["id"],
            {"liaison": "sun"}, who="wu"), 403, "forbidden", "liaison")
        self.assertError(self.d.request(
            "POST", "/v1/care/end-date", {"end_date": "2020-06-30"},
            who="sun"), 403, "forbidden")
        # The legal hold is a supervisor's, as for calls.
        self.assertError(self.d.request(
            "PATCH", "/v1/care/people/%d" % p["id"], {"legal_hold": True},
            who="sun"), 403, "forbidden", "legal_hold")
        # Nor the care's dates: an end in the past would have retention
        # erase the person.
        for field in ("end_date", "start_date"):
            self.assertError(self.d.request(
                "PATCH", "/v1/care/people/%d" % p["id"],
                {field: "2000-01-02"}, who="sun"), 403, "forbidden", field)
        self.assertError(self.d.request(
            "POST", "/v1/care/people", person(name="孙八", liaison=None,
                                              legal_hold=True), who="wu"),
            403, "forbidden", "legal_hold")
        r = self.d.request("PATCH", "/v1/care/people/%d" % p["id"],
                           {"legal_hold": True}, who="chen")
        self.assertEqual((r.status, r.json["legal_hold"]), (200, True), r)

    def test_reads_audited_unless_by_the_liaison(self):
        p = self.add()
        self.d.request("GET", "/v1/care/people/%d" % p["id"], who="sun")
        self.d.request("GET", "/v1/care/people", who="sun")
        self.assertEqual(self.audit("care.read"), [])
        self.d.request("GET", "/v1/care/people/%d" % p["id"], who="chen")
        self.assertEqual(self.audit("care.read"),
                         [("chen", "person %d" % p["id"])])
        self.d.request("GET", "/v1/care/people", who="ops")
        self.assertEqual(self.audit("care.list"),
                         [("ops", "person %d" % p["id"])])
        self.assertEqual(self.audit("care.create"),
                         [("chen", "person %d" % p["id"])])

    def test_contacts_move_the_next_due_day(self):
        p = self.add(start_date="2020-02-01")
        r = self.d.request("GET", "/v1/care/people/%d" % p["id"], who="sun")
        self.assertTrue(r.json["overdue"])
        self.assertEqual(r.json["next_due"], "2020-02-08")
        r = self.d.request("POST", "/v1/care/people/%d/contacts" % p["id"],
                           {"kind": "visit", "with_whom": "配偶",
                            "note": "送去生活物资"}, who="sun")
        self.assertEqual(r.status, 201, r)
        today = datetime.datetime.now(datetime.timezone(
            datetime.timedelta(hours=8))).date()
        self.assertEqual(day(r.json["next_due"]),
                         today + datetime.timedelta(days=7))
        r = self.d.request("GET", "/v1/care/people/%d" % p["id"], who="sun")
        self.assertFalse(r.json["overdue"])
        c = r.json["contacts"][0]
        self.assertEqual((c["kind"], c["by"], c["on_time"]),
                         ("visit", "sun", False))
        for body, kind, field in (
                ({}, "missing_field", "kind"),
                ({"kind": "fax"}, "invalid_field", "kind"),
                ({"kind": "phone", "at": "tomorrow"}, "invalid_field", "at"),
                ({"kind": "phone", "at": "2099-01-01T00:00:00Z"},
                 "invalid_field", "at"),
                ({"kind": "phone", "mood": "ok"}, "unknown_field", "mood")):
            self.assertError(self.d.request(
                "POST", "/v1/care/people/%d/contacts" % p["id"], body,
                who="sun"), 400, kind, field)
        self.assertError(self.d.request(
            "POST", "/v1/care/people/999/contacts", {"kind": "phone"},
            who="chen"), 404, "not_found")

    def test_overdue_from_the_local_midnight_after_the_due_day(self):
        # Due 2020-02-08 (start 2020-02-01, every 7 days) in Asia/Shanghai:
        # not overdue until 2020-02-09T00:00+08:00, which is
        # 2020-02-08T16:00Z.
        p = self.add(start_date="2020-02-01")
        for at, overdue in (("2020-02-08T23:59:59+08:00", False),
                            ("2020-02-08T15:59:59Z", False),
                            ("2020-02-08T16:00:00Z", True),
                            ("2020-02-09T00:00:00+08:00", True)):
            r = self.d.request("GET", "/v1/care/people/%d?at=%s" % (
                p["id"], at.replace("+", "%2B")), who="sun")
            self.assertEqual(r.json["overdue"], overdue, at)
            r = self.d.request("GET", "/v1/care/people?overdue=1&at=%s" %
                               at.replace("+", "%2B"), who="sun")
            self.assertEqual(len(r.json["people"]), int(overdue), at)
        # After the end date for everyone, nothing more falls due.
        r = self.d.request("POST", "/v1/care/end-date",
                           {"end_date": "2020-02-05"}, who="chen")
        self.assertEqual(r.status, 200, r)
        r = self.d.request("GET", "/v1/care/people/%d?at=2020-03-01" %
                           p["id"], who="sun")
        self.assertEqual((r.json["overdue"], r.json["care_ends"]),
                         (False, "2020-02-05"))
        self.assertError(self.d.request(
            "POST", "/v1/care/end-date", {"end_date": "soon"}, who="chen"),
            400, "invalid_field", "end_date")

    def test_difficulties_resolved_or_handed_to_a_queue(self):
        p = self.add()
        r = self.d.request("POST", "/v1/care/people/%d/difficulties" %
                           p["id"], {"category": "childcare",
                                     "description": "孩子无人照看"},
                           who="sun")
        self.assertEqual(r.status, 201, r)
        d1 = r.json
        self.assertEqual((d1["state"], d1["raised_by"]), ("open", "sun"))
        r = self.d.request("POST", "/v1/care/people/%d/difficulties" %
                           p["id"], {"category": "劳动争议",
                                     "description": "工资被拖欠"},
                           who="sun")
        d2 = r.json
        self.assertEqual(d2["category"], "labour_dispute")
        r = self.d.request("GET", "/v1/care/difficulties", who="chen")
        self.assertEqual([d["id"] for d in r.json["difficulties"]],
                         [d1["id"], d2["id"]])
        r = self.d.request("PATCH", "/v1/care/difficulties/%d" % d1["id"],
                           {"action": "resolve",
                            "resolution": "社区志愿者每日照看"}, who="sun")
        self.assertEqual((r.status, r.json["state"]), (200, "resolved"), r)
        self.assertError(self.d.request(
            "PATCH", "/v1/care/difficulties/%d" % d1["id"],
            {"action": "resolve", "resolution": "again"}, who="sun"), 409,
            "conflict")
        # Handing on needs a call to put the item on.
        self.assertError(self.d.request(
            "PATCH", "/v1/care/difficulties/%d" % d2["id"],
            {"action": "hand", "queue": "legal"}, who="sun"), 409,
            "conflict")
        call = self.d.post_call(good(caller_type="aid_team")).json
        # Its number matches nobody: its operator may not link it, a
        # supervisor may.
        self.assertError(self.d.request(
            "POST", "/v1/calls/%d/care-link" % call["id"],
            {"person_id": p["id"]}, who="wang"), 403, "forbidden",
            "person_id")
        r = self.d.request("POST", "/v1/calls/%d/care-link" % call["id"],
                           {"person_id": p["id"]}, who="chen")
        self.assertEqual(r.status, 200, r)
        r = self.d.request("PATCH", "/v1/care/difficulties/%d" % d2["id"],
                           {"action": "hand", "queue": "legal",
                            "priority": 2}, who="sun")
        self.assertEqual((r.status, r.json["state"], r.json["queue"]),
                         (200, "handed", "legal"), r)
        items = self.d.request("GET", "/v1/queues/legal", who="zhao").json
        self.assertIn(r.json["item_id"], [i["id"] for i in items["items"]])
        r = self.d.request("GET", "/v1/care/difficulties", who="chen")
        self.assertEqual(r.json["difficulties"], [])
        for body, kind, field in (
                ({"action": "resolve"}, "missing_field", "resolution"),
                ({"action": "hand"}, "missing_field", "queue"),
                ({"action": "hand", "queue": "nowhere"}, "invalid_field",
                 "queue"),
                ({"action": "burn"}, "invalid_field", "action")):
            self.assertError(self.d.request(
                "PATCH", "/v1/care/difficulties/%d" % d2["id"], body,
                who="sun"), 400, kind, field)
        self.assertError(self.d.request(
            "POST", "/v1/care/people/%d/difficulties" % p["id"],
            {"category": "weather", "description": "x"}, who="sun"), 400,
            "invalid_field", "category")

    def test_a_linked_call_shows_the_liaison_and_a_phone_proposes(self):
        p = self.add()
        call = self.d.post_call(good(caller_type="aid_team_family",
                                     caller_number="13900002222")).json
        r = self.d.request("GET", "/v1/calls/%d" % call["id"], who="zhao")
        self.assertEqual(r.json["care_proposed"],
                         {"person_id": p["id"], "liaison": "sun"})
        self.assertNotIn("care", r.json)
        self.assertError(self.d.request(
            "POST", "/v1/calls/%d/care-link" % call["id"],
            {"person_id": p["id"]}, who="zhao"), 403, "forbidden")
        # An operator links only their own call, only to the person its
        # number matches: no other person, and no one else's call.
        self.assertError(self.d.request(
            "POST", "/v1/calls/%d/care-link" % call["id"],
            {"person_id": 999}, who="wang"), 403, "forbidden", "person_id")
        self.assertError(self.d.request(
            "POST", "/v1/calls/%d/care-link" % call["id"],
            {"person_id": p["id"]}, who="li"), 403, "forbidden", "id")
        self.assertError(self.d.request(
            "POST", "/v1/calls/%d/care-link" % call["id"],
            {"person_id": 999}, who="chen"), 404, "not_found")
        self.assertError(self.d.request(
            "POST", "/v1/calls/999/care-link", {"person_id": p["id"]},
            who="chen"), 404, "not_found")
        r = self.d.request("POST", "/v1/calls/%d/care-link" % call["id"],
                           {"person_id": p["id"]}, who="wang")
        self.assertEqual(r.status, 200, r)
        r = self.d.request("GET", "/v1/calls/%d" % call["id"], who="zhao")
        self.assertEqual(r.json["care"],
                         {"person_id": p["id"], "liaison": "sun"})
        r = self.d.request("GET", "/v1/care/people/%d" % p["id"], who="sun")
        self.assertEqual([c["call_id"] for c in r.json["calls"]],
                         [call["id"]])


class CareRetentionTest(DaemonTest):
    retention = "  personal_days = 30;"

    def test_erased_after_the_care_ended_unless_held(self):
        old = self.d.request("POST", "/v1/care/people", person(
            start_date="2020-02-01", end_date="2020-03-01"), who="chen").json
        held = self.d.request("POST", "/v1/care/people", person(
            name="王五", phone="13700003333", start_date="2020-02-01",
            end_date="2020-03-01", legal_hold=True), who="chen").json
        now = self.d.request("POST", "/v1/care/people", person(
            name="赵六", phone="13600004444"), who="chen").json
        self.d.restart()
        deadline = time.time() + 20
        while time.time() < deadline:
            r = self.d.request("GET", "/v1/care/people/%d" % old["id"],
                               who="chen")
            if r.json["personal_erased_at"] is not None:
                break
            time.sleep(0.2)
        self.assertIsNone(r.json["name"])
        self.assertIsNone(r.json["phone"])
        self.assertEqual(r.json["unit"], "青岛市市立医院")
        self.assertEqual(r.json["family"][0]["name"], None)
        self.assertEqual(r.json["family"][0]["relation"], "配偶")
        for p in (held, now):
            r = self.d.request("GET", "/v1/care/people/%d" % p["id"],
                               who="chen")
            self.assertIsNotNone(r.json["name"])
            self.assertIsNone(r.json["personal_erased_at"])


class CareCountedTest(DaemonTest):
    status = True

    def test_stats_status_and_metrics(self):
        a = self.d.request("POST", "/v1/care/people", person(
            start_date="2020-02-01"), who="chen").json
        self.d.request("POST", "/v1/care/people", person(
            name="王五", phone="13700003333", team="定点医院救治队",
            liaison="wu"), who="chen")
        self.d.request("POST", "/v1/care/people/%d/difficulties" % a["id"],
                       {"category": "housing", "description": "租房到期"},
                       who="sun")
        r = self.d.request("GET", "/v1/stats?from=2020-01-01&to=2030-12-31&by=month", who="chen")
        self.assertEqual(r.status, 200, r)
        care = r.json["care"]
        self.assertEqual(sorted((p["team"], p["people"], p["overdue"])
                                for p in care["people"]),
                         [("aid_hubei", 1, 1), ("designated", 1, 0)])
        self.assertEqual([(d["category"], d["state"], d["n"], d["under_7d"])
                          for d in care["difficulties"]],
                         [("housing", "open", 1, 1)])
        self.assertEqual(care["contacts_this_week"]["made"], 0)
        self.d.request("POST", "/v1/care/people/%d/contacts" % a["id"],
                       {"kind": "phone"}, who="sun")
        r = self.d.request("GET", "/v1/stats?from=2020-01-01&to=2030-12-31&by=month", who="chen")
        self.assertEqual(r.json["care"]["contacts_this_week"]["made"], 1)
        self.assertEqual(r.json["care"]["contacts"]["made"], 1)
        self.assertEqual(r.json["care"]["contacts"]["on_time"], 0)
        self.assertError(self.d.request("GET", "/v1/stats", who="sun"), 403)
        deadline = time.time() + 15
        while time.time() < deadline:
            s = self.d.status("/status").json["care"]
            if s["people"] == 2:
                break
            time.sleep(0.2)
        self.assertEqual(s, {"people": 2, "overdue_contacts": 0,
                             "open_difficulties": 1})
        m = self.d.status("/metrics").raw.decode()
        self.assertIn("\nhotlined_care_people 2\n", m)
        self.assertIn("\nhotlined_care_open_difficulties 1\n", m)
        month = datetime.datetime.now(datetime.timezone(
            datetime.timedelta(hours=8))).strftime("%Y-%m")
        p = self.d.client("report", "--month", month, who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"people under care +2\n")
        self.assertRegex(p.out, r"care contacts made \(on time\) +1 \(0\)")
        self.assertRegex(p.out, r"care difficulties open +1\n")


class CareClientTest(DaemonTest):
    def test_the_client(self):
        p = self.d.request("POST", "/v1/care/people", person(
            start_date="2020-02-01"), who="chen").json
        r = self.d.client("care", "list", who="sun")
        self.assertEqual(r.returncode, 0, r.err)
        self.assertIn("张三", r.out)
        self.assertIn("overdue", r.out)
        r = self.d.client("care", "list", "--overdue", who="wu")
        self.assertEqual((r.returncode, r.out), (0, "no people\n"), r.err)
        r = self.d.client("care", "contact", str(p["id"]), "--kind", "phone",
                          "--note", "一切安好", who="sun")
        self.assertEqual(r.returncode, 0, r.err)
        self.assertIn("the next is due", r.out)
        r = self.d.client("care", "difficulty", str(p["id"]), "--category",
                          "health", "--description", "腰痛", who="sun")
        self.assertEqual(r.returncode, 0, r.err)
        did = int(r.out.split()[1])
        r = self.d.client("care", "resolve", str(did), "--resolution",
                          "已联系医院复查", who="sun")
        self.assertEqual(r.returncode, 0, r.err)
        r = self.d.client("care", "show", str(p["id"]), who="sun")
        self.assertEqual(r.returncode, 0, r.err)
        for text in ("一切安好", "腰痛", "已联系医院复查", "李四"):
            self.assertIn(text, r.out)
        r = self.d.client("care", "show", str(p["id"]), who="wu")
        self.assertEqual(r.returncode, 1)
        r = self.d.client("care", "contact", str(p["id"]), who="sun")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--kind", r.err)
        r = self.d.client("care", "resolve", str(did), who="sun")
        self.assertEqual(r.returncode, 2)
        r = self.d.client("care", "fly", who="sun")
        self.assertEqual(r.returncode, 2)
        r = self.d.client("care", "--help", who="sun")
        self.assertEqual(r.returncode, 0)
        self.assertIn("hotline care import", r.out)
        r = self.d.client("care", "list", who="sun", env={
            "LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8"})
        self.assertEqual(r.returncode, 0, r.err)


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "fixtures", "care")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def big_csv(n, phone_base=13000000000):
    lines = ["附件1", "援鄂医疗队队员联系表", "单位：青岛市第八人民医院",
             "序号,职工姓名,性别,人员类别,职务职称,联系方式,家属姓名,"
             "与本人关系,联系方式,工会联系人姓名,存在困难"]
    for i in range(n):
        lines.append("%d,队员%05d,女,护士,护师,%d,家属%05d,母亲,%d,王芳,"
                     % (i + 1, i, phone_base + i, i, phone_base + 50000 + i))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


class CareImportTest(DaemonTest):
    limits = dict(DEV_LIMITS, max_body_bytes=4000000)

    def imp(self, data, query="", who="chen"):
        return self.d.request("POST", "/v1/care/import" + query, raw=data,
                              who=who, content_type="text/csv")

    def test_a_form_imported_once_and_again_makes_no_duplicates(self):
        data = fixture("aid_utf8.csv")
        r = self.imp(data, "?liaison=sun")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["layout"], r.json["rows"], r.json["added"],
                          r.json["updated"]), ("aid_team", 3, 3, 0))
        people = self.d.request("GET", "/v1/care/people", who="sun").json
        self.assertEqual(len(people["people"]), 3)
        self.assertEqual({p["unit"] for p in people["people"]},
                         {"青岛市市立医院"})
        self.assertEqual({p["team"] for p in people["people"]},
                         {"aid_hubei"})
        r = self.imp(data)
        self.assertEqual((r.status, r.json["added"], r.json["updated"]),
                         (200, 0, 3), r)
        self.assertEqual(self.d.count_rows("care_people"), 3)
        self.assertEqual(self.d.count_rows("care_difficulties"), 2)
        self.assertEqual(self.d.count_rows("care_family"), 3)
        self.assertEqual(len(self.audit_rows("care.import")), 2)

    def audit_rows(self, action):
        db = sqlite3.connect(self.d.db)
        try:
            return db.execute("SELECT who, detail FROM audit WHERE action"
                              " = ?", (action,)).fetchall()
        finally:
            db.close()

    def test_a_dry_run_stores_nothing(self):
        r = self.imp(fixture("aid_utf8.csv"), "?dry_run=1")
        self.assertEqual((r.status, r.json["added"], r.json["dry_run"]),
                         (200, 3, True), r)
        self.assertEqual(self.d.count_rows("care_people"), 0)
        self.assertEqual(self.audit_rows("care.import"), [])

    def test_bad_rows_named_and_nothing_imported(self):
        r = self.imp(fixture("bad_rows.csv"), "?liaison=sun")
        self.assertError(r, 400, "invalid_rows")
        rows = sorted({p["row"] for p in r.json["problems"]})
        self.assertEqual(rows, [3, 4, 5], r)
        # Each row's column named once, by the form's heading.
        named = [(p["row"], p["column"]) for p in r.json["problems"]]
        self.assertEqual(len(named), len(set(named)), named)
        self.assertIn((4, "职工姓名"), named)
        for p in r.json["problems"]:
            self.assertGreater(p["row"], 0)
            self.assertTrue(p["problem"])
        self.assertEqual(self.d.count_rows("care_people"), 0)
        # A good form whose team the config does not know, row by row.
        r = self.imp(fixture("frontline_bom.csv"))
        self.assertError(r, 400, "invalid_rows")
        self.assertEqual({p["column"] for p in r.json["problems"]},
                         {"所在队伍"})
        self.assertEqual([p["row"] for p in r.json["problems"]], [4, 5])
        r = self.imp(fixture("frontline_bom.csv"), "?team=designated")
        self.assertEqual((r.status, r.json["added"]), (200, 2), r)
        # Not a form at all, wrong parameters.
        self.assertError(self.imp(fixture("wrong_headings.csv")), 400,
                         "invalid_file")
        self.assertError(self.imp(b""), 400, "invalid_file")
        self.assertError(self.imp(b"x", "?liaison=chen"), 400,
                         "invalid_parameter", "liaison")
        self.assertError(self.imp(b"x", "?team=navy"), 400,
                         "invalid_parameter", "team")
        self.assertError(self.imp(b"x", "?dry_run=yes"), 400,
                         "invalid_parameter", "dry_run")
        self.assertError(self.imp(fixture("aid_utf8.csv"), who="sun"), 403)

    def test_spreadsheets_and_gb18030(self):
        for name, query in (("lo_aid.xlsx", ""), ("lo_aid.xls", ""),
                            ("frontline_gb18030.csv", "?team=designated"),
                            ("in_hubei.csv", "")):
            r = self.imp(fixture(name), query)
            self.assertIn(r.status, (200, 400), (name, r))
            self.assertEqual(r.status, 200, (name, r))

    def test_five_thousand_rows_twice(self):
        data = big_csv(5000)
        r = self.imp(data, "?liaison=wu")
        self.assertEqual((r.status, r.json["added"]), (200, 5000), r)
        r = self.imp(data, "?liaison=wu")
        self.assertEqual((r.status, r.json["added"], r.json["updated"]),
                         (200, 0, 5000), r)
        self.assertEqual(self.d.count_rows("care_people"), 5000)

    def test_kill9_during_an_import_leaves_all_or_none(self):
        # Killed at several points of a 5,000-row import (while the body
        # arrives, while it is parsed, while the rows are written, after
        # the commit): each file is wholly there or wholly absent.
        for k, delay in enumerate((0.0, 0.02, 0.05, 0.1, 0.2, 0.4)):
            data = big_csv(5000, phone_base=15000000000 + k * 100000)
            result = {}

            def send():
                try:
                    result["r"] = self.imp(data)
                except Exception as e:  # the daemon died under it
                    result["e"] = e
            t = threading.Thread(target=send)
            t.start()
            time.sleep(delay)
            self.d.kill9()
            t.join()
            self.d.start()
            base = 15000000000 + k * 100000
            db = sqlite3.connect(self.d.db)
            try:
                n = db.execute("SELECT count(*) FROM care_people WHERE"
                               " CAST(phone AS INTEGER) BETWEEN ? AND ?",
                               (base, base + 4999)).fetchone()[0]
            finally:
                db.close()
            self.assertIn(n, (0, 5000), delay)
            if "r" in result and result["r"].status == 200:
                self.assertEqual(n, 5000, delay)

    def test_export_in_the_forms_layouts(self):
        self.imp(fixture("aid_utf8.csv"), "?liaison=sun")
        r = self.d.request("GET", "/v1/care/export?unit=%E9%9D%92%E5%B2%9B"
                           "%E5%B8%82%E5%B8%82%E7%AB%8B%E5%8C%BB%E9%99%A2",
                           who="chen")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.raw.startswith(b"\xef\xbb\xbf"))
        text = r.raw.decode("utf-8-sig")
        self.assertIn("职工姓名", text)
        self.assertIn("刘洋", text)
        self.assertIn("孩子上网课无人照看", text)
        # What the export wrote reads back as the same people.
        r = self.imp(r.raw)
        self.assertEqual((r.status, r.json["added"], r.json["updated"]),
                         (200, 0, 3), r)
        r = self.d.request("GET", "/v1/care/export?format=xlsx&layout="
                           "in_hubei", who="ops")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.raw.startswith(b"PK"))
        self.assertEqual(len(self.audit_rows("care.export")), 2)
        self.assertError(self.d.request("GET", "/v1/care/export", who="sun"),
                         403)
        self.assertError(self.d.request("GET", "/v1/care/export?layout=x",
                                        who="chen"), 400,
                         "invalid_parameter", "layout")
        self.assertError(self.d.request("GET", "/v1/care/export?format=pdf",
                                        who="chen"), 400,
                         "invalid_parameter", "format")

    def test_the_client_imports_and_exports(self):
        path = os.path.join(self.tmp, "form.csv")
        with open(path, "wb") as f:
            f.write(fixture("aid_utf8.csv"))
        r = self.d.client("care", "import", "--dry-run", path, who="chen")
        self.assertEqual(r.returncode, 0, r.err)
        self.assertIn("dry run", r.out)
        r = self.d.client("care", "import", "--liaison", "sun", path,
                          who="chen")
        self.assertEqual(r.returncode, 0, r.err)
        self.assertIn("3 added", r.out)
        with open(path, "wb") as f:
            f.write(fixture("bad_rows.csv"))
        r = self.d.client("care", "import", path, who="chen")
        self.assertEqual(r.returncode, 1)
        self.assertIn("row ", r.err)
        out = os.path.join(self.tmp, "out.xlsx")
        r = self.d.client("care", "export", "--format", "xlsx", "-o", out,
                          who="chen")
        self.assertEqual(r.returncode, 0, r.err)
        with open(out, "rb") as f:
            self.assertEqual(f.read(2), b"PK")


class CareImportOffTheLoopTest(DaemonTest):
    """A form is read on a thread of its own (api_care_read.c); its rows
    are written by the batch."""
    limits_big = 12000000
    limits = dict(DEV_LIMITS, max_body_bytes=limits_big)
    ROWS = 3000

    def raw_import(self, data, port=None):
        """An import sent on a socket of its own, its answer not read."""
        c = socket.create_connection(("127.0.0.1", port or self.d.port))
        c.sendall(b"POST /v1/care/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Authorization: Bearer dev-supervisor-chen\r\n"
                  b"Content-Type: text/csv\r\nContent-Length: " +
                  str(len(data)).encode() + b"\r\n\r\n" + data)
        return c

    def answers(self, socks):
        got = []
        for c in socks:
            c.settimeout(120)
            r = http.client.HTTPResponse(c)
            r.begin()
            got.append((r.status, json.loads(r.read())))
            c.close()
        return got

    def answer_or_cut(self, c):
        """The status and body answered on c, or None, None: cut off."""
        c.settimeout(60)
        r = http.client.HTTPResponse(c)
        try:
            r.begin()
            return r.status, json.loads(r.read())
        except (OSError, http.client.HTTPException):
            return None, None
        finally:
            c.close()

    def people_in(self, k):
        base = 13000000000 + k * 100000
        db = sqlite3.connect(self.d.db)
        try:
            return db.execute("SELECT count(*) FROM care_people WHERE"
                              " CAST(phone AS INTEGER) BETWEEN ? AND ?",
                              (base, base + self.ROWS - 1)).fetchone()[0]
        finally:
            db.close()

    def test_other_requests_are_answered_while_forms_are_read(self):
        # Three files one row longer than a form may be: each is read in
        # full (a second or so) before it is refused, with nothing to
        # write. A request sent after them is answered while the thread
        # still reads the first or second; read on the loop, it would
        # wait for every file, the first two answered long before it.
        big = big_csv(100001, 14000000000)
        self.assertLess(len(big), self.limits_big)
        socks = [self.raw_import(big) for _ in range(3)]
        r = self.d.request("GET", "/v1/queues", who="zhao")
        self.assertEqual(r.status, 200, r)
        answered, _, _ = select.select(socks, [], [], 0)
        self.assertLessEqual(len(answered), 1, "the request waited for "
                             "the files to be read")
        for st, body in self.answers(socks):
            self.assertEqual((st, body["error"]), (400, "invalid_file"),
                             body)
            self.assertIn("more than 100000 rows", body["message"])
        self.assertEqual(self.d.count_rows("care_people"), 0)
        # The register takes a file as before.
        socks = [self.raw_import(big_csv(self.ROWS, 13000000000 +
                                         k * 100000)) for k in range(2)]
        for k, (st, body) in enumerate(self.answers(socks)):
            self.assertEqual((st, body["added"]), (200, self.ROWS), body)
            self.assertEqual(self.people_in(k), self.ROWS)

    def test_too_many_at_once_are_told_to_retry_and_lose_nothing(self):
        # Four files may wait; one more at that moment is told to retry,
        # and nothing of it is stored; the others are stored whole.
        files = [big_csv(self.ROWS, 13000000000 + k * 100000)
                 for k in range(7)]
        got = self.answers([self.raw_import(f) for f in files])
        busy = [k for k, (st, _) in enumerate(got) if st == 503]
        self.assertTrue(busy, "seven files at once, none told to retry")
        for k, (st, body) in enumerate(got):
            if st == 503:
                self.assertEqual(body["error"], "busy", body)
                self.assertEqual(self.people_in(k), 0)
            else:
                self.assertEqual((st, body["added"]), (200, self.ROWS),
                                 body)
                self.assertEqual(self.people_in(k), self.ROWS)
        imported = [a for a in self.audit_actions() if a == "care.import"]
        self.assertEqual(len(imported), len(got) - len(busy))
        r = self.d.request("POST", "/v1/care/import?dry_run=1",
                           raw=files[busy[0]], who="chen",
                           content_type="text/csv")
        self.assertEqual((r.status, r.json["added"]), (200, self.ROWS), r)

    def test_clients_gone_before_their_file_is_read(self):
        for k in range(3):
            self.raw_import(big_csv(self.ROWS, 13000000000 +
                                    k * 100000)).close()
        # The files are read and written with no one to answer (a client
        # gone is not told; what it sent is stored whole or not at all);
        # the next import works.
        r = self.d.request("POST", "/v1/care/import", raw=big_csv(
            self.ROWS, 13000300000), who="chen", content_type="text/csv")
        self.assertEqual((r.status, r.json["added"]), (200, self.ROWS), r)
        for k in range(3):
            self.assertIn(self.people_in(k), (0, self.ROWS))

    def test_a_stop_while_a_form_is_read_answers_it(self):
        socks = [self.raw_import(big_csv(self.ROWS, 13000000000 +
                                         k * 100000)) for k in range(4)]
        self.d.stop()
        n = 0
        for k, c in enumerate(socks):
            st, body = self.answer_or_cut(c)
            if st == 200:
                n += self.ROWS
            elif st is not None:
                self.assertIn(body["error"], ("shutting_down",
                                              "store_unavailable"), body)
        self.d.start()
        self.assertEqual(self.d.count_rows("care_people") % self.ROWS, 0)
        self.assertGreaterEqual(self.d.count_rows("care_people"), n)

    def test_a_reload_removing_its_address_answers_the_forms_waiting(self):
        # On a second address, a file one row longer than a form may be
        # (a second or so to read, then refused), and three files that
        # wait behind it; then a reload that takes the address away.
        # Each is answered (400 for the long one, 200 stored whole, or
        # 503 with nothing stored) or its connection closed; never
        # answered later on a freed request (the sanitizer run would see
        # it). The daemon takes a file as before.
        text, port2 = self.add_address()
        socks = [self.raw_import(big_csv(100001, 14000000000), port2)]
        time.sleep(0.2)
        socks += [self.raw_import(big_csv(self.ROWS, 13000000000 +
                                          k * 100000), port2)
                  for k in range(3)]
        time.sleep(0.2)
        self.reload_with(text, 2)
        for k, c in enumerate(socks):
            st, body = self.answer_or_cut(c)
            if st == 200:
                self.assertEqual(body["added"], self.ROWS, body)
            elif st == 400 and k == 0:
                self.assertEqual(body["error"], "invalid_file", body)
            elif st is not None:
                self.assertEqual((st, body["error"]),
                                 (503, "store_unavailable"), body)
                self.assertIn("removed by a reload", body["message"])
        time.sleep(0.3)
        self.assertEqual(self.d.count_rows("care_people") % self.ROWS, 0)
        for k in range(3):
            self.assertIn(self.people_in(k), (0, self.ROWS))
        r = self.d.request("POST", "/v1/care/import", raw=big_csv(
            self.ROWS, 13000400000), who="chen", content_type="text/csv")
        self.assertEqual((r.status, r.json["added"]), (200, self.ROWS), r)

    def audit_actions(self):
        db = sqlite3.connect(self.d.db)
        try:
            return [a for a, in db.execute("SELECT action FROM audit")]
        finally:
            db.close()


class CareConfigTest(unittest.TestCase):
    def test_bad_care_settings_exit_78_naming_them(self):
        with open(DEV_CONF, encoding="utf-8") as f:
            dev = f.read()
        tmp = tempfile.mkdtemp(prefix="hotlined-care-conf-")
        try:
            for old, new, want in (
                    ("every_days = 7;", "every_days = 0;",
                     "care.every_days: 0 is out of range"),
                    ("every_days = 7;", 'every_days = 7; end_date = '
                     '"2020-02-30";', 'care.end_date: "2020-02-30" is not'),
                    ("every_days = 7;", "every_days = 7; colour = 1;",
                     "care.colour: unknown setting"),
                    ('{ code = "aid_hubei";', '{ code = "Aid Hubei";',
                     'code "Aid Hubei" must be'),
                    ('role = "liaison";', 'role = "liason";',
                     "role must be one of")):
                path = os.path.join(tmp, "hotlined.conf")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(dev.replace(old, new, 1))
                p = subprocess.run([HOTLINED, "-t", "-c", path],
                                   capture_output=True, text=True)
                self.assertEqual(p.returncode, 78, (new, p.stderr))
                self.assertIn(want, p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
