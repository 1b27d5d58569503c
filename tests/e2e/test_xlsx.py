"""The export as a spreadsheet, opened as a reader would open it: the
.xlsx converted back to CSV by LibreOffice Calc (headless) and checked
cell by cell against the CSV export (Chinese, quotes, commas, newlines,
text that looks like a formula, dates in the configured timezone,
durations as numbers); the sheet's own XML (no formula, the header row
frozen and filtered); roles, retention's erasure and the audit trail as
for CSV; CSV's Chinese headings (header=names); the client."""
import csv
import glob
import io
import os
import re
import shutil
import sqlite3
import subprocess
import time
import unittest
import zipfile

from test_stats import RANGE, StatsTest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

# What callers say goes into notes and names: none of it may run.
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+86 138 0000", "-2+3",
           "@SUM(A1)", "=1+1", "逗号, \"引号\"\n换行\r\n第三行\r第四行",
           "控制\x01字符\t制表"]

HEADINGS = ["编号", "开始时间", "热线代码", "热线", "通话时长（秒）", "接线员",
            "来电类型代码", "来电类型", "来电者类别代码", "来电者类别", "性别",
            "年龄段", "问题类别代码", "问题类别", "风险等级代码", "风险等级",
            "处理结果代码", "处理结果", "回访时间", "转介队列代码", "转介队列",
            "优先级", "自杀意愿", "自杀能力", "自杀意图", "保护因素",
            "已联系急救/警方", "此前来电次数", "同意留下联系方式", "来电者姓名",
            "联系方式", "备注", "登记时间", "更新时间", "版本"]
TIMES = {"开始时间", "回访时间", "登记时间", "更新时间"}
ANSWERS = {"自杀意愿", "自杀能力", "自杀意图", "保护因素", "已联系急救/警方",
           "同意留下联系方式"}
MEANING = {"yes": "是", "no": "否", "unknown": "不确定"}


def xlsx_rows(path, tmp):
    """The spreadsheet's cells as LibreOffice Calc reads them, through
    its CSV filter (UTF-8, comma, double quote, text as shown)."""
    out = os.path.join(tmp, "calc")
    os.makedirs(out, exist_ok=True)
    profile = "file://" + os.path.join(tmp, "lo-profile")
    p = subprocess.run([SOFFICE, "-env:UserInstallation=" + profile,
                        "--headless", "--convert-to",
                        "csv:Text - txt - csv (StarCalc):44,34,76,1",
                        "--outdir", out, path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=180, env=dict(os.environ, HOME=tmp))
    made = glob.glob(os.path.join(out, "*.csv"))
    if p.returncode != 0 or len(made) != 1:
        raise AssertionError("soffice: %s" % p.stdout.decode())
    with open(made[0], encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    os.unlink(made[0])
    return rows


def csv_rows(raw):
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"),
                                       newline="")))


def as_shown(heading, v):
    """A CSV export's value as the spreadsheet shows it."""
    if v == "":
        return ""
    if heading in TIMES:        # 2020-02-17T01:30:00+08:00
        return v[:10] + " " + v[11:19]
    if heading in ANSWERS:
        return MEANING[v]
    if v[0] == "'" and v[1:2] in tuple("=+-@\t\r"):   # CSV's quote
        v = v[1:]
    if v.startswith("(erased "):
        return "（%s 已按保存期限删除）" % v[8:18]
    # A line in a cell ends in LF; other controls show as U+FFFD.
    v = v.replace("\r\n", "\n").replace("\r", "\n")
    return "".join("\ufffd" if ord(c) < 0x20 and c not in "\t\n" else c
                   for c in v)


@unittest.skipUnless(SOFFICE, "LibreOffice (libreoffice-calc-nogui) is "
                     "not installed")
class TestXlsx(StatsTest):
    def setUp(self):
        super().setUp()
        self.hostile = []
        for text in HOSTILE:
            r = self.d.post_call({"line": "400", "caller_type": "member",
                                  "topics": ["work", "family"],
                                  "risk": "none",
                                  "started_at": "2020-02-17T12:00:00+08:00",
                                  "duration_s": 65, "notes": text,
                                  "caller_name": text,
                                  "caller_contact": text, "consent": True})
            self.assertEqual(r.status, 201, r)
            self.hostile.append(r.json["id"])

    def get(self, query, who="chen"):
        return self.d.request("GET", f"/v1/export?{RANGE}{query}", who=who)

    def save(self, raw, name="export.xlsx"):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(raw)
        return path

    def test_every_cell_as_calc_reads_it(self):
        # Retention erased one call's personal fields: the sheet says so.
        self.d.stop()
        db = sqlite3.connect(self.d.db)
        with db:
            db.execute("UPDATE calls SET caller_name = NULL, caller_contact"
                       " = NULL, notes = NULL, personal_erased_at ="
                       " 1714521600 WHERE id = ?", (self.ids[0],))
        db.close()
        self.d.start()
        r = self.get("&format=xlsx")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "application/"
                         "vnd.openxmlformats-officedocument.spreadsheetml"
                         ".sheet")
        self.assertIn("hotline-export.xlsx",
                      r.headers["content-disposition"])
        self.assertEqual(int(r.headers["content-length"]), len(r.raw))
        self.assertTrue(r.raw.startswith(b"PK\x03\x04"))
        got = xlsx_rows(self.save(r.raw), self.tmp)
        want = csv_rows(self.get("&header=names").raw)
        self.assertEqual(got[0], HEADINGS)
        self.assertEqual(want[0], HEADINGS)
        self.assertEqual(len(got), len(want))
        self.assertEqual(len(got), 1 + 5 + len(HOSTILE))
        for g, w in zip(got[1:], want[1:]):
            self.assertEqual(len(g), len(HEADINGS), g)
            for h, gv, wv in zip(HEADINGS, g, w):
                self.assertEqual(gv, as_shown(h, wv), (w[0], h))
        by_id = {int(x[0]): dict(zip(HEADINGS, x)) for x in got[1:]}
        # The texts come back exactly as typed, none run as a formula.
        for cid, text in zip(self.hostile, HOSTILE):
            for h in ("备注", "来电者姓名", "联系方式"):
                self.assertEqual(by_id[cid][h], as_shown(h, text), (cid, h))
        c1 = by_id[self.ids[0]]
        self.assertEqual((c1["开始时间"], c1["通话时长（秒）"], c1["风险等级"],
                          c1["问题类别"], c1["转介队列"]),
                         ("2020-02-17 01:30:00", "600", "高风险",
                          "焦虑; 睡眠问题", "青岛市精神卫生中心"))
        self.assertEqual(c1["备注"], "（2024-05-01 已按保存期限删除）")
        c4 = by_id[self.ids[3]]
        self.assertEqual((c4["回访时间"], c4["保护因素"], c4["自杀意愿"]),
                         ("2020-02-18 10:00:00", "是", "否"))
        self.assertEqual(by_id[self.ids[2]]["通话时长（秒）"], "")

    def test_the_sheet_itself(self):
        r = self.get("&format=xlsx")
        self.assertEqual(r.status, 200, r)
        with zipfile.ZipFile(io.BytesIO(r.raw)) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
            styles = z.read("xl/styles.xml").decode()
        def has(text):
            return text in sheet
        # Text is text: no formula anywhere, the strings inline.
        self.assertFalse(has("<f>"))
        self.assertTrue(has("<t>=HYPERLINK(\"http://x\",\"y\")</t>"))
        # Frozen under the header row, a filter over every column.
        self.assertTrue(has('<pane ySplit="1" topLeftCell="A2" '
                            'activePane="bottomLeft" state="frozen"/>'))
        self.assertTrue(has('<autoFilter ref="A1:AI%d"/>' %
                            (6 + len(HOSTILE))))
        # Times are numbers with a date format; durations plain numbers.
        self.assertIn("yyyy-mm-dd hh:mm:ss", styles)
        self.assertTrue(re.search(r'<c r="E4" s="\d+"><v>65</v></c>', sheet))
        # Nothing is left beside the store.
        self.assertEqual(glob.glob(os.path.join(self.tmp, ".export-*")),
                         [])

    def test_roles_and_the_audit_trail(self):
        for who in ("wang", "zhao"):
            self.assertError(self.get("&format=xlsx", who=who), 403,
                             "forbidden")
        self.assertEqual(self.d.count_rows("exports"), 0)
        r = self.get("&format=xlsx")
        self.assertEqual(r.status, 200, r)
        # The export's end is recorded just after its last byte.
        deadline = time.time() + 10
        while True:
            db = sqlite3.connect(self.d.db)
            try:
                rec = db.execute("SELECT by, role, format, rows,"
                                 " finished_at IS NOT NULL FROM exports"
                                 ).fetchall()
                audit = db.execute("SELECT who, action, detail FROM audit"
                                   " WHERE action = 'export'").fetchall()
            finally:
                db.close()
            if rec[0][3] is not None or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(rec, [("chen", "supervisor", "xlsx",
                                5 + len(HOSTILE), 1)])
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit[0][:2], ("chen", "export"))
        self.assertRegex(audit[0][2], r"^export 1: from 2020-02-16T00:00:00"
                         r"\+08:00 to .*, xlsx$")
        self.assertIn("export 1 by chen: %d calls\n" % (5 + len(HOSTILE)),
                      self.d.stderr())

    def test_bad_requests(self):
        for q, field in (("&format=xlsx&header=names", "header"),
                         ("&format=json&header=codes", "header"),
                         ("&header=chinese", "header"),
                         ("&format=xls", "format")):
            self.assertError(self.get(q), 400, "invalid_parameter", field)
        self.assertEqual(self.d.count_rows("exports"), 0)

    def test_csv_keeps_codes_unless_asked(self):
        codes = csv_rows(self.get("").raw)
        names = csv_rows(self.get("&header=names").raw)
        self.assertEqual(codes[0][:3], ["id", "started_at", "line"])
        self.assertEqual(names[0], HEADINGS)
        self.assertEqual(codes[1:], names[1:])

    def test_many_pages_and_a_stale_directory(self):
        for i in range(450):
            self.assertEqual(self.d.post_call(
                {"line": "400", "caller_type": "member", "topics": ["work"],
                 "risk": "none", "started_at": "2020-02-17T12:00:00+08:00",
                 "notes": f"第{i}条"}).status, 201)
        # An export a crash interrupted is removed at the next start.
        self.d.stop()
        stale = os.path.join(self.tmp, ".export-abc123")
        os.mkdir(stale, 0o700)
        with open(os.path.join(stale, "calls.xlsx"), "wb") as f:
            f.write(b"half")
        self.d.start()
        self.assertFalse(os.path.exists(stale))
        r = self.get("&format=xlsx")
        self.assertEqual(r.status, 200, r)
        rows = xlsx_rows(self.save(r.raw), self.tmp)
        self.assertEqual(len(rows), 1 + 5 + len(HOSTILE) + 450)
        self.assertEqual(len({x[0] for x in rows[1:]}), len(rows) - 1)
        self.assertEqual(sorted(x[31] for x in rows if x[31].startswith(
            "第")), sorted(f"第{i}条" for i in range(450)))

    def test_client(self):
        out = os.path.join(self.tmp, "二月.xlsx")
        p = self.d.client("export", "--from", "2020-02-16", "--to",
                          "2020-02-18", "--format", "xlsx", "-o", out,
                          who="chen")
        self.assertEqual((p.returncode, p.out), (0, ""), p.err)
        with zipfile.ZipFile(out) as z:
            self.assertIn("xl/worksheets/sheet1.xml", z.namelist())
        p = self.d.client("export", "--from", "2020-02-16", "--to",
                          "2020-02-18", "--header", "names", who="chen")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(p.out.lstrip("\ufeff").split("\r\n")[0],
                         ",".join(HEADINGS))
        p = self.d.client("export", "--from", "2020-02-16", "--to",
                          "2020-02-18", "--format", "xlsx", "--header",
                          "names", who="chen")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--header is for CSV", p.err)
        bad = os.path.join(self.tmp, "no.xlsx")
        p = self.d.client("export", "--from", "2020-02-16", "--to",
                          "2020-02-18", "--format", "xlsx", "-o", bad,
                          who="wang")
        self.assertEqual(p.returncode, 1)
        self.assertFalse(os.path.exists(bad))


if __name__ == "__main__":
    unittest.main()
