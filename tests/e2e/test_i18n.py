"""hotline in Chinese and in English: the catalogue (help, messages), the
API's errors said by the client, tables aligned by display width, the
interactive form through a real pseudo-terminal, and the monthly report.
Chinese runs use LANG=zh_CN.UTF-8 (make deps-test generates the locale)."""
import json
import os
import pty
import re
import select
import signal
import time
import unicodedata

from harness import HOTLINE, SANITIZER_MARKS, DaemonTest, good

ZH = {"LANG": "zh_CN.UTF-8"}
EN = {"LANG": "C.UTF-8"}


def width(s):
    """Display columns, as a terminal draws them."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in s)


def cell_starts(line):
    """The display column where each cell of an aligned row begins (cells
    are separated by two or more blanks)."""
    return [width(line[:m.start()])
            for m in re.finditer(r"\S+(?: \S+)*", line)]


class TestCatalogue(DaemonTest):
    def test_help_in_chinese_and_english(self):
        p = self.d.client("--help", env=ZH)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("用法：hotline", p.out)
        self.assertIn("登记一次来电", p.out)
        p = self.d.client("help", "report", env=ZH)
        self.assertIn("本期总体情况", p.out)
        p = self.d.client("--help", env=EN)
        self.assertIn("Usage: hotline", p.out)
        self.assertNotIn("用法", p.out)

    def test_usage_error_in_chinese(self):
        p = self.d.client("log", "--no-such-option", env=ZH)
        self.assertEqual(p.returncode, 2)
        self.assertIn("未知选项", p.err)
        self.assertIn("更多信息请运行", p.err)

    def test_api_error_is_the_clients_sentence(self):
        # The server says "risk must be one of: ..." in English; the
        # client names the field by its label and lists the choices.
        self.d.client("schema", env=ZH)
        p = self.d.client("log", "-l", "400", "-c", "medic", "-t", "anxiety",
                          "-r", "extreme", env=ZH)
        self.assertEqual(p.returncode, 1, p.err)
        self.assertIn("“风险等级”的值无效", p.err)
        self.assertNotIn("must be one of", p.err)
        p = self.d.client("log", "-l", "400", "-c", "medic", "-t", "anxiety",
                          "-r", "extreme", env=EN)
        self.assertIn("risk: the value is not valid", p.err)

    def test_unknown_error_code_shows_the_servers_text(self):
        # An operator asking for stats: "forbidden" is known...
        p = self.d.client("stats", "--from", "2020-02-01", "--to",
                          "2020-02-29", env=ZH)
        self.assertEqual(p.returncode, 1)
        self.assertIn("您的角色无权执行此操作", p.err)


class TestAlignment(DaemonTest):
    def test_list_columns_line_up_in_chinese(self):
        for i, topics in enumerate((["anxiety"], ["sleep", "grief"],
                                    ["work"])):
            r = self.d.post_call(good(topics=topics, line=("400", "9120",
                                                           "2325")[i]),
                                 who="wang")
            self.assertEqual(r.status, 201, r)
        p = self.d.client("list", env=ZH)
        self.assertEqual(p.returncode, 0, p.err)
        rows = [ln for ln in p.out.splitlines() if ln.strip()]
        self.assertTrue(rows[0].split()[0] == "编号", p.out)
        # Every column after the right-aligned ID starts at the same
        # display column in every row, Chinese heading or ASCII cell.
        starts = [cell_starts(ln) for ln in rows]
        for s in starts[1:]:
            self.assertEqual(s[1:4], starts[0][1:4], p.out)

    def test_queue_states_and_kinds_by_name(self):
        r = self.d.post_call(good(risk="high", topics=["sleep"]))
        self.assertEqual(r.status, 201, r)
        p = self.d.client("queue", "mhc", who="zhao", env=ZH)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"1 +1 +1 +待领取 +转介 ")
        p = self.d.client("claim", "mhc", who="zhao", env=ZH)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("转介", p.out.splitlines()[0])
        self.assertNotIn("referral", p.out)
        p = self.d.client("show", "1", who="zhao", env=ZH)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertRegex(p.out, r"转介，已领取")
        p = self.d.client("show", "1", who="zhao")
        self.assertRegex(p.out, r"referral, claimed")

    def test_schema_table_mixed_cells(self):
        p = self.d.client("schema", env=ZH)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("\n来电者类别\n", p.out)
        block = p.out.split("\n来电者类别\n")[1].split("\n\n")[0]
        names = [width(ln[:ln.index(n)]) for ln in block.splitlines()
                 for n in ("一线医护人员", "医护人员家属", "其他") if n in ln]
        self.assertEqual(len(set(names)), 1, block)


class Terminal:
    """hotline on a real pseudo-terminal: read until a text shows, type."""

    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(argv[0], argv, env)
        self.seen = b""
        self.mark = 0

    def expect(self, text, timeout=20):
        want = text.encode("utf-8")
        deadline = time.time() + timeout
        while True:
            i = self.seen.find(want, self.mark)
            if i != -1:
                self.mark = i + len(want)
                return
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("no %r on the terminal; it shows:\n%s"
                                     % (text, self.text()))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError("hotline ended before %r:\n%s"
                                         % (text, self.text()))
                self.seen += chunk

    def send(self, text):
        os.write(self.fd, text.encode("utf-8"))

    def finish(self, timeout=20):
        """The exit status, once hotline ended with no sanitizer report."""
        rc = self._wait(timeout)
        for mark in SANITIZER_MARKS:
            if mark in self.text():
                raise AssertionError("sanitizer report:\n" + self.text())
        return rc

    def _wait(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                self.seen += chunk
                if not chunk:
                    break
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def text(self):
        return self.seen.decode("utf-8", "replace")

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


class TestForm(DaemonTest):
    def terminal(self, lang, *args):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": self.tmp, "TERM": "xterm", "LANG": lang,
               "TZ": "Asia/Shanghai",
               "XDG_STATE_HOME": os.path.join(self.tmp, "state"),
               "XDG_CONFIG_HOME": os.path.join(self.tmp, "xdg"),
               "HOTLINE_TOKEN": "dev-operator-wang"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        argv = [HOTLINE, "--server", "http://127.0.0.1:%d" % self.d.port,
                "log"] + list(args)
        t = Terminal(argv, env)
        self.addCleanup(t.kill)
        return t

    def stored(self):
        r = self.d.request("GET", "/v1/calls/1", who="chen")
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_the_whole_call_in_chinese(self):
        t = self.terminal("zh_CN.UTF-8")
        for prompt, answer in (
                ("热线（输入序号或代码）", "1"),
                ("来电者类别（输入序号或代码）", "medic"),
                ("来电类型（输入序号或代码；直接回车跳过）", ""),
                ("性别（输入序号或代码；直接回车跳过）", "f"),
                ("年龄段（输入序号或代码；直接回车跳过）", ""),
                ("问题类别（一个或多个序号或代码", "anxiety sleep"),
                ("风险等级（输入序号或代码）", "moderate"),
                ("自杀意愿", "2"), ("自杀能力", "2"), ("自杀意图", "no"),
                ("保护因素", "1"),
                ("已联系急救/警方（输入序号或代码；直接回车跳过）", "2"),
                ("处理结果（输入序号或代码；直接回车跳过）", "callback"),
                ("回访时间", "2030-01-02 10:00"),
                ("通话时长", "12m"),
                ("备注（可输入多行", None),
                (">", "夜班后失眠"), (">", "担心家人"), (">", ""),
                ("同意留下联系方式（输入序号或代码；直接回车跳过）", "1"),
                ("姓名", "王"), ("联系方式", "13800000000")):
            t.expect(prompt)
            if answer is not None:
                t.send(answer + "\r")
        t.expect("将要保存的来电记录")
        # The assessment in words, not desire=no.
        t.expect("自杀意愿：否，自杀能力：否，自杀意图：否，保护因素：是")
        t.expect("回车或 s：保存")
        t.send("s")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertIn("已登记来电 1", t.text())
        rec = self.stored()
        for k, v in (("line", "400"), ("caller_type", "medic"),
                     ("gender", "f"), ("topics", ["anxiety", "sleep"]),
                     ("risk", "moderate"), ("emergency_contacted", False),
                     ("outcome", "callback"), ("duration_s", 720),
                     ("notes", "夜班后失眠\n担心家人"), ("consent", True),
                     ("caller_name", "王"),
                     ("caller_contact", "13800000000")):
            self.assertEqual(rec.get(k), v, (k, rec))
        self.assertEqual(rec["risk_assessment"],
                         {"desire": "no", "capability": "no",
                          "intent": "no", "buffers": "yes"})
        self.assertTrue(rec["callback_at"].startswith("2030-01-02T"), rec)
        self.assertNotIn("line:", t.text())

    def test_english_flags_kept_and_going_back(self):
        # The flags given are not asked; low risk asks no assessment; the
        # duration offered is the time since hotline log started.
        t = self.terminal("C.UTF-8", "--line", "9120", "--topic", "work")
        for prompt, answer in (
                ("caller type (number or code)", "member"),
                ("call type (number or code; Enter skips)", ""),
                ("gender (number or code; Enter skips)", ""),
                ("age band (number or code; Enter skips)", ""),
                ("risk (number or code)", "low"),
                ("outcome (number or code; Enter skips)", "counseled"),
                ("duration (720, 90s, 12m, 1h5m) [", ""),
                ("notes (several lines", None), (">", ""),
                ("consent (number or code; Enter skips)", "")):
            t.expect(prompt)
            if answer is not None:
                t.send(answer + "\r")
        t.expect("The call as it will be saved:")
        t.expect("b: back to the questions")
        t.send("b")
        # Back: every answer is offered again; change the risk only.
        for prompt, answer in (
                ("caller type (number or code) [member", ""),
                ("call type", ""), ("gender", ""), ("age band", ""),
                ("risk (number or code) [low", "none"),
                ("outcome (number or code) [counseled", ""),
                ("duration", ""), ("notes", None), (">", ""),
                ("consent", "")):
            t.expect(prompt)
            if answer is not None:
                t.send(answer + "\r")
        t.expect("q: quit without saving")
        t.send("\r")
        self.assertEqual(t.finish(), 0, t.text())
        self.assertIn("logged call 1", t.text())
        self.assertNotIn("line (number or code)", t.text())
        self.assertNotIn("suicidal desire", t.text())
        rec = self.stored()
        self.assertEqual((rec["line"], rec["topics"], rec["caller_type"],
                          rec["risk"], rec["outcome"]),
                         ("9120", ["work"], "member", "none", "counseled"))
        self.assertGreaterEqual(rec["duration_s"], 1)
        self.assertLess(rec["duration_s"], 120)
        self.assertIsNone(rec.get("caller_name"))

    def test_quit_saves_nothing(self):
        t = self.terminal("zh_CN.UTF-8", "-l", "400", "-c", "medic", "-t",
                          "anxiety")
        t.expect("来电类型")
        for _ in range(3):
            t.send("\r")
        t.expect("风险等级（输入序号或代码）")
        t.send("1\r")
        for prompt in ("处理结果", "通话时长", ">", "同意留下"):
            t.expect(prompt)
            t.send("\r")
        t.expect("q：不保存退出")
        t.send("q")
        self.assertEqual(t.finish(), 1, t.text())
        self.assertIn("未登记任何来电", t.text())
        self.assertEqual(self.d.count_rows(), 0)


class TestReport(DaemonTest):
    def setUp(self):
        super().setUp()
        for topics, risk, ct in ((["anxiety"], "high", "counseling"),
                                 (["anxiety", "sleep"], "low", "counseling"),
                                 (["work"], "none", "prank")):
            r = self.d.post_call(good(topics=topics, risk=risk, call_type=ct,
                                      started_at="2020-02-17T09:30:00+08:00",
                                      duration_s=600))
            self.assertEqual(r.status, 201, r)

    def test_chinese_report_names_only(self):
        p = self.d.client("report", "--month", "2020-02", who="chen",
                          env=ZH)
        self.assertEqual(p.returncode, 0, p.err)
        out = p.out
        self.assertIn("心理援助热线工作月报（2020-02）", out)
        self.assertIn("本期总体情况", out)
        self.assertIn("各热线来电", out)
        self.assertIn("焦虑", out)
        for code in ("anxiety", "medic", "Calls per line", "duration (s)"):
            self.assertNotIn(code, out)
        self.assertRegex(out, r"来电总数\s+3\n")
        self.assertRegex(out, r"有效咨询来电[^\n]*\s+2\n")
        self.assertRegex(out, r"高风险及以上来电\s+1 \(33\.3%\)")
        self.assertIn("10.0 分钟", out)
        # Totals come first, before the sections.
        self.assertLess(out.index("本期总体情况"), out.index("各热线来电"))

    def test_english_report_and_html(self):
        p = self.d.client("report", "--month", "2020-02", who="chen",
                          env=EN)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("The month in figures", p.out)
        self.assertIn("anxiety (焦虑)", p.out)
        html = os.path.join(self.tmp, "r.html")
        p = self.d.client("report", "--month", "2020-02", "--html", html,
                          who="chen", env=ZH)
        self.assertEqual(p.returncode, 0, p.err)
        with open(html, encoding="utf-8") as f:
            page = f.read()
        self.assertIn('lang="zh-CN"', page)
        self.assertIn("size: A4", page)
        self.assertIn("page-break-before", page)
        self.assertIn("<h2>本期总体情况</h2>", page)
        self.assertNotIn("anxiety", page)
        import xml.dom.minidom
        xml.dom.minidom.parseString(page.encode("utf-8"))
