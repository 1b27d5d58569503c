"""The CSV export, written straight from the store's rows, says exactly
what the API says of each call: the whole file, byte for byte, equals the
CSV made by the export's rules (RFC 4180 quoting, the formula guard, names
beside codes, erased personal fields) from the calls as the JSON export
shows them, on a store of hostile values: quotes, commas, newlines, a
leading = + - @ tab or CR, Chinese text, empty fields, several topics,
amended calls, erased and held calls, and pages that end among calls
started in the same second."""
import json
import sqlite3

from harness import DaemonTest

COLUMNS = (
    "id started_at line line_name duration_s operator call_type"
    " call_type_name caller_type caller_type_name gender age_band topics"
    " topic_names risk risk_name outcome outcome_name callback_at queue"
    " queue_name priority risk_desire risk_capability risk_intent"
    " risk_buffers emergency_contacted repeat_calls consent caller_name"
    " caller_contact notes created_at updated_at version").split()
HOSTILE = [
    "说,\"引号\"\n换行", "=HYPERLINK(\"http://x\",\"y\")", "+86 138 0000",
    "-2+3", "@SUM(A1)", "\t=1", "\r=1", "a\r\nb", "\"", ",", "'=1",
    "普通的中文备注", "  空格开头", "x" * 300 + ",",
]
RANGE = "from=2020-01-01&to=2020-12-31"


def field(v):
    """One CSV field as the export writes it."""
    if v is None:
        return ""
    formula = v != "" and v[0] in "=+-@\t\r"
    if not any(c in v for c in ",\"\r\n"):
        return ("'" if formula else "") + v
    return '"' + ("'" if formula else "") + v.replace('"', '""') + '"'


class TestExportRows(DaemonTest):
    def names(self):
        s = self.d.request("GET", "/v1/schema").json
        return {k: {c["code"]: c["name"] for c in s[k]}
                for k in ("lines", "caller_types", "topics", "risk_levels",
                          "outcomes", "call_types")}

    def expect(self, calls, n):
        """The CSV the export's rules make of calls (the JSON export)."""
        def text(v):
            if v is None:
                return None
            if isinstance(v, bool):
                return "yes" if v else "no"
            return str(v)
        out = [",".join(field(c) for c in COLUMNS)]
        for c in calls:
            q = c["queue"] or {}
            a = c["risk_assessment"] or {}
            erased = c["personal_erased_at"]
            personal = [f"(erased {erased[:10]})" if erased else
                        c[k] for k in ("caller_name", "caller_contact",
                                       "notes")]
            v = [c["id"], c["started_at"], c["line"],
                 n["lines"].get(c["line"]), c["duration_s"], c["operator"],
                 c["call_type"], n["call_types"].get(c["call_type"]),
                 c["caller_type"], n["caller_types"].get(c["caller_type"]),
                 c["gender"], c["age_band"], "; ".join(c["topics"]),
                 "; ".join(n["topics"].get(t, t) for t in c["topics"]),
                 c["risk"], n["risk_levels"].get(c["risk"]), c["outcome"],
                 n["outcomes"].get(c["outcome"]), c["callback_at"],
                 q.get("code"), q.get("name"), q.get("priority"),
                 a.get("desire"), a.get("capability"), a.get("intent"),
                 a.get("buffers"), c["emergency_contacted"],
                 c["repeat_calls"], c["consent"], *personal,
                 c["created_at"], c["updated_at"], c["version"]]
            out.append(",".join(field(text(x)) for x in v))
        return ("\ufeff" + "\r\n".join(out) + "\r\n").encode()

    def post(self, call):
        r = self.d.post_call(call)
        self.assertEqual(r.status, 201, r)
        return r.json["id"]

    def test_csv_is_the_api_view_byte_for_byte(self):
        ids = []
        for i, t in enumerate(HOSTILE):
            risk = ("none", "low", "moderate", "high", "imminent")[i % 5]
            call = {"line": ("400", "9120", "2325")[i % 3],
                    "caller_type": ("medic", "member", "aid_team")[i % 3],
                    "topics": [["sleep"], ["anxiety", "grief", "family"],
                               ["work", "sleep"]][i % 3],
                    "risk": risk, "notes": t,
                    "started_at": "2020-03-%02dT%02d:15:00+08:00" % (
                        1 + i, i % 24)}
            if i % 2 == 0:      # a name and a contact only with consent
                call.update({"consent": True, "caller_name": t[:40],
                             "caller_contact": t[:40]})
            if i % 4 == 0:
                call.update({"duration_s": 60 * i, "gender": "f",
                             "age_band": "30-39", "outcome": "callback",
                             "callback_at": "2020-04-01T09:00:00+08:00",
                             "emergency_contacted": True})
            if risk in ("moderate", "high", "imminent"):
                call["risk_assessment"] = {
                    "desire": "yes", "capability": "no",
                    "intent": "unknown", "buffers": "yes"}
            ids.append(self.post(call))
        # A minimal call: every optional field empty.
        ids.append(self.post({"line": "400", "caller_type": "member",
                              "topics": ["other"], "risk": "none",
                              "started_at": "2020-05-01T00:00:00+08:00"}))
        # Amendments: new topics, risk, line, notes; a held call.
        for cid, patch, who in (
                (ids[1], {"topics": ["grief", "work", "sleep"],
                          "risk": "high", "line": "2325"}, "wang"),
                (ids[2], {"notes": "改,\"过\"\n的", "risk": "high",
                          "duration_s": 7}, "wang"),
                (ids[3], {"legal_hold": True}, "chen")):
            r = self.d.request("PATCH", f"/v1/calls/{cid}", patch, who=who)
            self.assertEqual(r.status, 200, r)
        # 450 calls in the same second: pages (of 200) end among them.
        for i in range(450):
            last = self.post({"line": "9120", "caller_type": "medic",
                       "topics": ["work"], "risk": "none",
                       "notes": f"n{i},\"{i}\"",
                       "started_at": "2020-06-01T08:00:00+08:00"})
        # Erased as retention erases (store_erase_slice()), the daemon
        # stopped: every third call, and the first 200 of the 450.
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        with db:
            db.execute("UPDATE calls SET notes = NULL, caller_name = NULL,"
                       " caller_contact = NULL, caller_hash = NULL,"
                       " personal_erased_at = 1764547200"
                       " WHERE legal_hold = 0 AND (id % 3 = 0 OR"
                       " id BETWEEN ? AND ?)", (last - 449, last - 250))
        db.close()
        self.d.start()
        r = self.d.request("GET", f"/v1/export?{RANGE}&format=json",
                           who="chen")
        self.assertEqual(r.status, 200, r)
        calls = json.loads(r.raw)
        self.assertEqual(len(calls), len(ids) + 450)
        kinds = {(c["personal_erased_at"] is None, c["legal_hold"])
                 for c in calls}
        # Erased calls, kept ones, a held one: all are here.
        self.assertEqual(kinds, {(False, False), (True, False),
                                 (True, True)})
        self.assertTrue(any(c["queue"] for c in calls))
        self.assertTrue(any(len(c["topics"]) == 3 for c in calls))
        r = self.d.request("GET", f"/v1/export?{RANGE}&format=csv",
                           who="chen")
        self.assertEqual(r.status, 200, r)
        want = self.expect(calls, self.names())
        if r.raw != want:
            got = r.raw.split(b"\r\n")
            for k, line in enumerate(want.split(b"\r\n")):
                self.assertEqual(got[k] if k < len(got) else None, line,
                                 f"line {k}")
        self.assertEqual(r.raw, want)
