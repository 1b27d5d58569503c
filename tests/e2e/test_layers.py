"""tests/check-layers with the Makefile's table: it passes on the tree, and
refuses an #include planted upwards, across siblings, of a private header,
and a file of no layer, naming the file and the line."""
import os
import shlex
import shutil
import subprocess
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CHECK = os.path.join(TOP, "tests", "check-layers")


def layer_args():
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", TOP,
                          "print-LAYER_ARGS"], check=True, text=True,
                         stdout=subprocess.PIPE).stdout
    return shlex.split(out)


class Layers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.args = layer_args()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-layers-")
        self.dir = os.path.join(self.tmp, "daemon")
        shutil.copytree(os.path.join(TOP, "daemon"), self.dir)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def check(self, where):
        p = subprocess.run([CHECK, "--dir", where] + self.args, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return p.returncode, p.stdout

    def plant(self, name, text):
        """Add text after the first #include of daemon/name: its line."""
        path = os.path.join(self.dir, name)
        with open(path) as f:
            lines = f.readlines()
        at = next(i for i, l in enumerate(lines)
                  if l.startswith("#include")) + 1
        lines.insert(at, text + "\n")
        with open(path, "w") as f:
            f.writelines(lines)
        return f"{self.dir}/{name}:{at + 1}:"

    def test_tree_passes(self):
        rc, out = self.check(os.path.join(TOP, "daemon"))
        self.assertEqual((rc, out), (0, ""))

    def test_upward_include(self):
        where = self.plant("store.c", '#include "domain.h"')
        rc, out = self.check(self.dir)
        self.assertEqual(rc, 1)
        self.assertIn(f"{where} includes domain.h (domain layer); the "
                      "store layer may not use it", out)

    def test_sibling_include(self):
        where = self.plant("limit.c", '#include "domain.h"')
        rc, out = self.check(self.dir)
        self.assertEqual(rc, 1)
        self.assertIn(f"{where} includes domain.h", out)

    def test_private_header(self):
        where = self.plant("queue.c", '#include "store_int.h"')
        rc, out = self.check(self.dir)
        self.assertEqual(rc, 1)
        self.assertIn(f"{where} includes store_int.h, private to store.c "
                      "and store_*.c", out)
        # The store's own files may.
        self.plant("store.c", '#include "store_int.h"')
        rc, out = self.check(self.dir)
        self.assertNotIn("daemon/store.c", out)

    def test_file_of_no_layer(self):
        with open(os.path.join(self.dir, "stray.c"), "w") as f:
            f.write("/* nobody's */\n")
        rc, out = self.check(self.dir)
        self.assertEqual(rc, 1)
        self.assertIn(f"{self.dir}/stray.c:1: in no layer of the Makefile",
                      out)


if __name__ == "__main__":
    unittest.main()
