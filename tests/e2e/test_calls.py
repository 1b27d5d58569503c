"""Logging, reading and amending calls: through the hotline client and
plain HTTP, across restarts and kill -9, with idempotency and roles."""
import json
import os
import re
import sqlite3
import unittest

from harness import DaemonTest, good


class TestLogListShow(DaemonTest):
    def test_client_log_list_show_amend(self):
        p = self.d.client("log", "--line", "400", "--caller-type", "medic",
                          "--topic", "anxiety,sleep", "--risk", "moderate",
                          "--duration", "18m", "--outcome", "counseled",
                          "--notes", "夜班后失眠两周",
                          "--assessment",
                          "desire=no,capability=no,intent=no,buffers=yes")
        self.assertEqual(p.returncode, 0, p.err)
        m = re.search(r"logged call (\d+)", p.out)
        self.assertIsNotNone(m, p.out)
        cid = m.group(1)
        p = self.d.client("list", "--today")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("一线医护人员", p.out)
        self.assertIn("焦虑,睡眠问题", p.out)
        p = self.d.client("--json", "show", cid)
        self.assertEqual(p.returncode, 0, p.err)
        rec = json.loads(p.out)
        self.assertEqual(rec["duration_s"], 1080)
        self.assertEqual(rec["topics"], ["anxiety", "sleep"])
        self.assertEqual(rec["notes"], "夜班后失眠两周")
        self.assertEqual(rec["risk_assessment"]["buffers"], "yes")
        self.assertEqual(rec["version"], 1)
        p = self.d.client("amend", cid, "--risk", "high")
        self.assertEqual(p.returncode, 0, p.err)
        rec = self.d.request("GET", "/v1/calls/" + cid).json
        self.assertEqual(rec["risk"], "high")
        self.assertEqual(rec["version"], 2)
        self.assertEqual(len(rec["history"]), 1)
        h = rec["history"][0]
        self.assertEqual(h["version"], 1)
        self.assertEqual(h["amended_by"], "wang")
        self.assertEqual(h["changes"], {"risk": {"from": "moderate",
                                                 "to": "high"}})
        p = self.d.client("show", cid)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("high", p.out)
        self.assertIn("moderate", p.out)

    def test_http_post_returns_record_and_location(self):
        r = self.d.post_call(good(notes="第一次来电", duration_s=300,
                                  gender="f", age_band="30-39"))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers["location"], f"/v1/calls/{r.json['id']}")
        for k, v in (("line", "400"), ("operator", "wang"), ("version", 1),
                     ("call_type", "counseling"), ("consent", False),
                     ("notes", "第一次来电"), ("gender", "f"),
                     ("repeat_calls", 0), ("queue", None)):
            self.assertEqual(r.json[k], v, k)
        self.assertTrue(r.json["started_at"].endswith("+08:00"))
        g = self.d.request("GET", f"/v1/calls/{r.json['id']}")
        self.assertEqual(g.status, 200)
        g.json.pop("history")
        self.assertEqual(g.json, r.json)

    def test_amend_keeps_every_earlier_value(self):
        cid = self.d.post_call(good(notes="a")).json["id"]
        for i, (risk, notes) in enumerate((("none", "b"), ("low", "c"))):
            r = self.d.request("PATCH", f"/v1/calls/{cid}",
                               {"risk": risk, "notes": notes},
                               headers={"If-Match": f'"{i + 1}"'})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["version"], i + 2)
        rec = self.d.request("GET", f"/v1/calls/{cid}").json
        hist = [(h["version"], h["changes"]) for h in rec["history"]]
        self.assertEqual(hist, [
            (1, {"risk": {"from": "low", "to": "none"},
                 "notes": {"from": "a", "to": "b"}}),
            (2, {"risk": {"from": "none", "to": "low"},
                 "notes": {"from": "b", "to": "c"}})])

    def test_stale_if_match_is_412_and_changes_nothing(self):
        cid = self.d.post_call(good()).json["id"]
        self.assertEqual(self.d.request("PATCH", f"/v1/calls/{cid}",
                                        {"risk": "none"}).status, 200)
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "high"},
                           headers={"If-Match": '"1"'})
        self.assertError(r, 412, "version_mismatch")
        rec = self.d.request("GET", f"/v1/calls/{cid}").json
        self.assertEqual((rec["risk"], rec["version"]), ("none", 2))

    def test_noop_patch_makes_no_version(self):
        cid = self.d.post_call(good()).json["id"]
        r = self.d.request("PATCH", f"/v1/calls/{cid}", {"risk": "low"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["version"], 1)
        self.assertEqual(self.d.count_rows("call_history"), 0)

    def test_null_clears_optional_field(self):
        cid = self.d.post_call(good(gender="m", notes="x")).json["id"]
        r = self.d.request("PATCH", f"/v1/calls/{cid}",
                           {"gender": None, "notes": None})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["gender"])
        self.assertIsNone(r.json["notes"])

    def test_repeat_calls_counted_by_number_never_stored(self):
        for n in range(3):
            r = self.d.post_call(good(caller_number="138-0000-1234"))
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json["repeat_calls"], n)
        r = self.d.post_call(good(caller_number="13900001234"))
        self.assertEqual(r.json["repeat_calls"], 0)
        raw = b""
        for path in (self.d.db, self.d.db + "-wal"):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    raw += f.read()
        self.assertNotIn(b"13800001234", raw)
        self.assertNotIn(b"138-0000-1234", raw)


class TestDurability(DaemonTest):
    def test_restart_keeps_everything(self):
        ids = [self.d.post_call(good(notes=f"n{i}")).json["id"]
               for i in range(5)]
        self.d.request("PATCH", f"/v1/calls/{ids[0]}", {"risk": "high"})
        self.d.restart()
        r = self.d.request("GET", "/v1/calls?limit=50")
        self.assertEqual(sorted(c["id"] for c in r.json["calls"]), ids)
        rec = self.d.request("GET", f"/v1/calls/{ids[0]}").json
        self.assertEqual(rec["risk"], "high")
        self.assertEqual(len(rec["history"]), 1)

    def test_kill9_right_after_201_loses_nothing(self):
        acked = []
        for i in range(20):
            r = self.d.post_call(good(notes=f"call {i}"))
            self.assertEqual(r.status, 201, r)
            acked.append(r.json["id"])
        self.d.kill9()
        db = sqlite3.connect(self.d.db)
        got = [row[0] for row in db.execute("SELECT id FROM calls")]
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0],
                         "ok")
        db.close()
        self.assertEqual(sorted(got), acked)
        self.d.start()
        self.assertEqual(len(self.d.request(
            "GET", "/v1/calls?limit=100").json["calls"]), 20)

    def test_same_idempotency_key_gives_one_record(self):
        r1 = self.d.post_call(good(notes="x"), key="key-1")
        r2 = self.d.post_call(good(notes="x"), key="key-1")
        self.assertEqual((r1.status, r2.status), (201, 200))
        self.assertEqual(r1.json, r2.json)
        self.d.restart()
        r3 = self.d.post_call(good(notes="x"), key="key-1")
        self.assertEqual(r3.status, 200)
        self.assertEqual(r3.json["id"], r1.json["id"])
        self.assertEqual(self.d.count_rows(), 1)

    def test_same_key_different_body_is_409(self):
        self.d.post_call(good(notes="x"), key="key-2")
        r = self.d.post_call(good(notes="y"), key="key-2")
        self.assertError(r, 409, "idempotency_conflict", "Idempotency-Key")
        self.assertEqual(self.d.count_rows(), 1)

    def test_keys_are_per_operator(self):
        a = self.d.post_call(good(), key="shared", who="wang")
        b = self.d.post_call(good(), key="shared", who="li")
        self.assertEqual((a.status, b.status), (201, 201))
        self.assertNotEqual(a.json["id"], b.json["id"])


class TestRoles(DaemonTest):
    def test_operators_see_only_their_own(self):
        w = self.d.post_call(good(notes="wang's"), who="wang").json["id"]
        li = self.d.post_call(good(notes="li's"), who="li").json["id"]
        lw = self.d.request("GET", "/v1/calls", who="wang").json["calls"]
        self.assertEqual([c["id"] for c in lw], [w])
        ll = self.d.request("GET", "/v1/calls", who="li").json["calls"]
        self.assertEqual([c["id"] for c in ll], [li])
        self.assertError(self.d.request("GET", f"/v1/calls/{li}",
                                        who="wang"), 403, "forbidden")
        self.assertError(self.d.request("PATCH", f"/v1/calls/{li}",
                                        {"risk": "high"}, who="wang"),
                         403, "forbidden")
        self.assertError(self.d.request("GET", "/v1/calls?operator=li",
                                        who="wang"), 403, "forbidden")
        p = self.d.client("list", who="li")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertNotIn("wang", p.out)

    def test_counselor_sees_no_personal_fields(self):
        cid = self.d.post_call(good(notes="secret", consent=True,
                                    caller_name="张三",
                                    caller_contact="13800000000")).json["id"]
        self.d.request("PATCH", f"/v1/calls/{cid}", {"notes": "more"})
        r = self.d.request("GET", f"/v1/calls/{cid}", who="zhao")
        self.assertEqual(r.status, 200)
        for f in ("notes", "caller_name", "caller_contact"):
            self.assertNotIn(f, r.json)
        self.assertEqual(r.json["redacted"],
                         ["notes", "caller_name", "caller_contact",
                          "safety_plan"])
        self.assertNotIn(b"secret", r.raw)
        self.assertNotIn(b"more", r.raw)
        lst = self.d.request("GET", "/v1/calls", who="zhao")
        self.assertNotIn("張三".encode(), lst.raw)
        self.assertNotIn("张三".encode(), lst.raw)
        self.assertError(self.d.post_call(good(), who="zhao"), 403,
                         "forbidden")
        self.assertError(self.d.request("PATCH", f"/v1/calls/{cid}",
                                        {"risk": "high"}, who="zhao"), 403)

    def test_supervisor_reads_everything_writes_nothing(self):
        cid = self.d.post_call(good(notes="secret")).json["id"]
        r = self.d.request("GET", f"/v1/calls/{cid}", who="chen")
        self.assertEqual(r.json["notes"], "secret")
        self.assertError(self.d.post_call(good(), who="chen"), 403)
        self.assertError(self.d.request("PATCH", f"/v1/calls/{cid}",
                                        {"risk": "high"}, who="chen"), 403)

    def test_unknown_or_missing_token_is_401(self):
        for who in (None, "not-a-token"):
            r = self.d.request("GET", "/v1/calls", who=who)
            self.assertError(r, 401, "unauthorized")
            self.assertEqual(r.headers.get("www-authenticate"), "Bearer")
        r = self.d.request("GET", "/v1/calls", who=None,
                           headers={"Authorization": "Basic eDp5"})
        self.assertError(r, 401, "unauthorized")

    def test_unix_socket_root_is_admin(self):
        r = self.d.request("GET", "/v1/whoami", unix=True)
        self.assertEqual(r.json["role"], "admin")
        self.assertEqual(r.json["via"], "unix")
        r = self.d.request("GET", "/v1/whoami", who="zhao")
        self.assertEqual(r.json, {"name": "zhao", "role": "counselor",
                                  "via": "tcp"})
        p = self.d.client("whoami", unix=True)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("admin", p.out)


class TestList(DaemonTest):
    def setUp(self):
        super().setUp()
        # Five days of calls on two lines, 2020-02-13 .. 2020-02-17 (+08:00).
        self.ids = []
        for day in range(13, 18):
            for line, risk in (("400", "low"), ("9120", "high")):
                r = self.d.post_call(good(
                    line=line, risk=risk,
                    started_at=f"2020-02-{day}T23:30:00+08:00"))
                self.assertEqual(r.status, 201, r)
                self.ids.append(r.json["id"])

    def get(self, q, who="chen"):
        r = self.d.request("GET", "/v1/calls?" + q, who=who)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_date_range_is_local_days(self):
        cs = self.get("from=2020-02-14&to=2020-02-15")["calls"]
        self.assertEqual(len(cs), 4)
        self.assertTrue(all(c["started_at"][:10] in ("2020-02-14",
                                                     "2020-02-15")
                            for c in cs))
        cs = self.get("from=2020-02-17T15:00:00Z")["calls"]
        self.assertEqual(len(cs), 2)

    def test_line_risk_operator_filters(self):
        self.assertEqual(len(self.get("line=9120")["calls"]), 5)
        self.assertEqual(len(self.get("line=9120,400")["calls"]), 10)
        self.assertEqual(len(self.get("risk=high&line=400")["calls"]), 0)
        self.assertEqual(len(self.get("operator=wang")["calls"]), 10)
        self.assertEqual(len(self.get("operator=li")["calls"]), 0)

    def test_cursor_pages_through_everything_once(self):
        seen, cursor, pages = [], None, 0
        while True:
            q = "limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = self.get(q)
            seen += [c["id"] for c in page["calls"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(pages, 4)
        self.assertEqual(sorted(seen), sorted(self.ids))
        self.assertEqual(len(seen), len(set(seen)))
        starts = [c["started_at"] for c in self.get("limit=10")["calls"]]
        self.assertEqual(starts, sorted(starts, reverse=True))

    def test_client_list_filters(self):
        p = self.d.client("list", "--from", "2020-02-16", "--to",
                          "2020-02-16", "--line", "9120")
        self.assertEqual(p.returncode, 0, p.err)
        rows = [ln for ln in p.out.splitlines() if "2020-02-16" in ln]
        self.assertEqual(len(rows), 1, p.out)

    def test_bad_parameters(self):
        for q, field in (("limit=0", "limit"), ("limit=x", "limit"),
                         ("limit=501", "limit"), ("from=yesterday", "from"),
                         ("line=999", "line"), ("risk=extreme", "risk"),
                         ("cursor=garbage", "cursor"), ("color=red", "color"),
                         ("line=400&line=9120", "line")):
            r = self.d.request("GET", "/v1/calls?" + q, who="chen")
            self.assertError(r, 400, "invalid_parameter", field)


class TestClientExitCodes(DaemonTest):
    def test_usage_error_is_2(self):
        self.assertEqual(self.d.client("log", "--no-such-option").returncode,
                         2)
        self.assertEqual(self.d.client("frobnicate").returncode, 2)

    def test_server_refusal_is_1(self):
        p = self.d.client("log", "--line", "999", "--caller-type", "medic",
                          "--topic", "anxiety", "--risk", "low")
        self.assertEqual(p.returncode, 1)
        self.assertIn("line", p.err)
        p = self.d.client("show", "12345")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(self.d.count_rows(), 0)

    def test_unreachable_server_is_1(self):
        p = self.d.client("list", env={"HOTLINE_SERVER":
                                       "unix:" + self.tmp + "/nothing.sock"})
        self.assertEqual(p.returncode, 1)


if __name__ == "__main__":
    unittest.main()
