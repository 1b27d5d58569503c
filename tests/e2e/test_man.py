"""The man pages, English and Chinese, as man(1) renders them: no
warning from groff, every line within the page's width, and the Chinese
pages in step with the English ones (the same sections, entries and
options)."""
import os
import re
import shutil
import subprocess
import unicodedata
import unittest

from harness import TOP

PAGES = (("client/hotline.1", "hotline.1"),
         ("daemon/hotlined.8", "hotlined.8"),
         ("daemon/hotlined.conf.5", "hotlined.conf.5"))
ZH_SOURCE = os.path.join(TOP, "man", "zh_CN")
ZH_BUILT = os.path.join(TOP, "build", "man", "zh_CN")
WIDTH = 80


def width(line):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in line)


@unittest.skipUnless(shutil.which("man"), "man (man-db) is not installed")
class TestManPages(unittest.TestCase):
    def render(self, path, lang):
        env = dict(os.environ, LANG=lang, LC_ALL=lang, MANWIDTH=str(WIDTH),
                   MAN_KEEP_FORMATTING="", MANPAGER="cat", PAGER="cat")
        env.pop("LANGUAGE", None)
        p = subprocess.run(["man", "--warnings", "-l", path], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        # Any word from groff (a line it cannot break or adjust, an
        # unknown request or escape) is a failure.
        self.assertEqual(p.stderr.decode(), "", path)
        text = re.sub(r".\x08", "", p.stdout.decode("utf-8"))
        for line in text.splitlines():
            self.assertLessEqual(width(line), WIDTH, (path, line))
        return text

    def test_english(self):
        for src, _ in PAGES:
            with self.subTest(src):
                text = self.render(os.path.join(TOP, src), "C.UTF-8")
                self.assertIn("NAME", text)
                self.assertIn("SEE ALSO", text)

    def test_chinese(self):
        for _, name in PAGES:
            with self.subTest(name):
                built = os.path.join(ZH_BUILT, name)
                self.assertTrue(os.path.exists(built),
                                f"{built}: run make all first")
                text = self.render(built, "zh_CN.UTF-8")
                for title in ("名称", "描述", "另见"):
                    self.assertIn("\n" + title + "\n", text)
                # No space where groff joined two Chinese text lines.
                self.assertNotRegex(text, r"[，。；] [\u4e00-\u9fff]")

    def test_chinese_in_step_with_english(self):
        def outline(path):
            with open(path, encoding="utf-8") as f:
                src = f.read()
            return ([len(re.findall(r"^\.%s\b" % m, src, re.M))
                     for m in ("SH", "SS", "TP", "PP")],
                    sorted(set(re.findall(r"\\-\\-[a-z][a-z\\-]*", src))))
        for src, name in PAGES:
            with self.subTest(name):
                self.assertEqual(outline(os.path.join(ZH_SOURCE, name)),
                                 outline(os.path.join(TOP, src)))

    def test_the_form_is_described(self):
        text = self.render(os.path.join(TOP, "client/hotline.1"), "C.UTF-8")
        self.assertIn("The interactive form", text)
        text = self.render(os.path.join(ZH_BUILT, "hotline.1"),
                           "zh_CN.UTF-8")
        self.assertIn("交互式表单", text)
        self.assertIn("自杀风险评估", text)


if __name__ == "__main__":
    unittest.main()
