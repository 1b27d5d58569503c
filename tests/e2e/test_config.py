"""Config errors exit 78 naming file, line and setting; -t; -h; -V;
SIGHUP with a bad or a good new config."""
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

from harness import (HOTLINED, DEV_CONF, ROOT_ARGS, TOKENS, Daemon,
                     DaemonTest, good)


def run(*args, cwd=None):
    return subprocess.run([HOTLINED] + ROOT_ARGS + list(args), cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=30)


BAD = [
    # (what, (old, new) text in dev.conf, line (None: not checked; else
    # the line of the new text is expected), expected setting)
    ("syntax error", ("timezone = \"Asia/Shanghai\";",
                      "timezone = = \"Asia/Shanghai\";"), 0, None),
    ("unknown timezone", ("timezone = \"Asia/Shanghai\";",
                          "timezone = \"Mars/Olympus\";"), 1, "timezone"),
    ("unknown setting", ("busy_timeout_ms = 2000;",
                         "busy_timeout_ms = 2000;\n  colour = 1;"), 1,
     "store.colour"),
    ("wrong type", ("max_body_bytes = 65536;", "max_body_bytes = \"big\";"),
     1, "max_body_bytes"),
    ("rate out of range", ("rate_per_s = 0;", "rate_per_s = -1;"), 1,
     "limits.rate_per_s: -1 is out of range (0 to 100000)"),
    ("no connections at all", ("max_connections = 1000;",
                               "max_connections = 0;"), 1,
     "limits.max_connections: 0 is out of range"),
    ("unknown limit", ("rate_per_s = 0;",
                       "rate_per_s = 0;\n  max_conections = 9;"), 1,
     "limits.max_conections: unknown setting"),
    ("bad facility", ("facility = \"daemon\";", "facility = \"kern\";"), 1,
     "facility"),
    ("bad role", ("role = \"counselor\";", "role = \"boss\";"), None,
     "role"),
    ("bad listen address", ("\"tcp:127.0.0.1:8692\"", "\"ftp:1\""), 1,
     "listen"),
    ("short hash key", ("dev-only-caller-hash-key-change-me", "short"), 1,
     "caller_hash_key"),
    ("duplicate code", ("{ code = \"9120\"; name = \"0532-85669120\"; }",
                        "{ code = \"400\"; name = \"0532-85669120\"; }"),
     None, "code"),
    ("route to an unknown queue", ("queue = \"family\"; priority = 3;",
                                   "queue = \"welfare\"; priority = 3;"), 1,
     "routes[3].queue: unknown queue \"welfare\""),
    ("route on an unknown topic", ("[ \"work\", \"legal\" ]",
                                   "[ \"work\", \"wages\" ]"), 1,
     "routes[2].topics: unknown code \"wages\""),
    ("route on an unknown risk", ("risk_at_least = \"high\";",
                                  "risk_at_least = \"severe\";"), 1,
     "routes[0].risk_at_least"),
    ("bad SLA", ("p2 = \"2h\"; p3 = \"1d\"; }; },\n  { code = \"legal\"",
                 "p2 = \"2 hours\"; p3 = \"1d\"; }; },\n  { code = \"legal\""),
     None, "queues[0].sla.p2"),
    ("callbacks to an unknown queue", ("callbacks = {\n  queue = \"mhc\";",
                                       "callbacks = {\n  queue = \"crisis\";"),
     1, "callbacks.queue"),
]


class TestConfigCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotlined-conf-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, text):
        path = os.path.join(self.tmp, "bad.conf")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_dev_and_production_samples_check_ok(self):
        for conf in (DEV_CONF, os.path.join(os.path.dirname(DEV_CONF),
                                            "hotlined.conf")):
            p = run("-t", "-c", conf)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b"OK", p.stdout)

    def test_bad_configs_exit_78_naming_file_line_setting(self):
        with open(DEV_CONF, encoding="utf-8") as f:
            dev = f.read()
        for what, (old, new), line, setting in BAD:
            with self.subTest(what):
                self.assertIn(old, dev)
                text = dev.replace(old, new, 1)
                if line == 0:
                    line = text[:text.index(new)].count("\n") + 1
                elif line is not None:
                    # The line holding the setting at fault.
                    line = text[:text.index(new) + len(new)].count(
                        "\n") + 1
                path = self.write(text)
                for args in (["-t", "-c", path], ["-f", "-c", path]):
                    p = run(*args, cwd=self.tmp)
                    err = p.stderr.decode()
                    self.assertEqual(p.returncode, 78, err)
                    self.assertIn(path, err)
                    if line is not None:
                        self.assertIn(f"{path}:{line}:", err)
                    if setting is not None:
                        self.assertIn(setting, err)

    def test_missing_file(self):
        p = run("-t", "-c", os.path.join(self.tmp, "none.conf"))
        self.assertEqual(p.returncode, 78)
        self.assertIn(b"none.conf", p.stderr)

    def test_usage(self):
        p = run("-h")
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"usage: hotlined", p.stdout)
        p = run("-x")
        self.assertEqual(p.returncode, 64)
        self.assertIn(b"usage: hotlined", p.stderr)
        p = run("-V")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout.decode(), r"^hotlined \d+\.\d+\.\d+")

    def test_second_instance_refused_first_keeps_serving(self):
        d = Daemon(self.tmp).start()
        try:
            p = run("-f", "-c", d.conf, cwd=self.tmp)
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"another hotlined", p.stderr)
            self.assertEqual(d.post_call(good()).status, 201)
        finally:
            d.stop()

    def test_stale_socket_is_replaced(self):
        d = Daemon(self.tmp).start()
        d.kill9()
        self.assertTrue(os.path.exists(d.sock))
        d.start()
        self.assertEqual(d.request("GET", "/v1/whoami", unix=True).status,
                         200)
        d.stop()
        self.assertFalse(os.path.exists(d.sock))


class TestReload(DaemonTest):
    def test_bad_reload_keeps_old_config(self):
        with open(self.d.conf, encoding="utf-8") as f:
            good_text = f.read()
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(good_text.replace("timezone", "timezon", 1))
        self.d.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertIn("reload refused", self.d.stderr())
        self.assertEqual(self.d.post_call(good()).status, 201)

    def test_reload_takes_new_lists(self):
        with open(self.d.conf, encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(self.d.post_call(good(topics=["boredom"])).status,
                         400)
        text = text.replace('{ code = "other";          name = "其他"; }',
                            '{ code = "other";          name = "其他"; },\n'
                            '  { code = "boredom"; name = "无聊"; }', 1)
        with open(self.d.conf, "w", encoding="utf-8") as f:
            f.write(text)
        self.d.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 5
        while "reloaded" not in self.d.stderr() and time.time() < deadline:
            time.sleep(0.05)
        r = self.d.post_call(good(topics=["boredom"]))
        self.assertEqual(r.status, 201, r)
        # The unchanged listeners were not re-bound: both still answer.
        self.assertEqual(self.d.request("GET", "/v1/whoami",
                                        unix=True).status, 200)

    def test_hash_key_in_a_config_every_user_may_read(self):
        os.chmod(self.d.conf, 0o644)
        self.d.stop()
        self.d.start()
        self.assertIn("holds privacy.caller_hash_key and every user may "
                      "read it (mode 0644)", self.d.stderr())
        os.chmod(self.d.conf, 0o640)
        self.d.stop()
        self.d.logs = []
        self.d.start()
        self.assertNotIn("caller_hash_key", self.d.stderr())

    def test_reload_removing_a_listener_answers_what_waits_on_it(self):
        # A second TCP address, then a write waiting on it for the store
        # (held by another process) and a long statistics request, then
        # a reload that takes the address away: both are answered or
        # their connection closed, never answered later on a freed
        # request (the sanitizer run would see it); nothing is stored.
        text, port2 = self.add_address()
        results = {}

        def ask(name, method, path, body, who):
            conn = http.client.HTTPConnection("127.0.0.1", port2,
                                              timeout=30)
            h = {"Authorization": "Bearer " + TOKENS[who]}
            if body is not None:
                h["Content-Type"] = "application/json"
                h["Idempotency-Key"] = str(uuid.uuid4())
            try:
                conn.request(method, path, body=body, headers=h)
                r = conn.getresponse()
                results[name] = (r.status, r.read())
            except (OSError, http.client.HTTPException) as e:
                results[name] = ("closed", repr(e))
            finally:
                conn.close()

        db = sqlite3.connect(self.d.db, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            threads = [
                threading.Thread(target=ask, args=(
                    "post", "POST", "/v1/calls",
                    json.dumps(good()).encode(), "wang")),
                threading.Thread(target=ask, args=(
                    "stats", "GET", "/v1/stats?from=1990-01-01&to=2030-12-31"
                    "&by=line", None, "chen"))]
            for t in threads:
                t.start()
            time.sleep(0.4)
            # Sign-ins whose passwords are still being checked (one at a
            # time, off the loop) when the address goes.
            data = json.dumps({"name": "wang",
                               "password": "dev-operator-wang"}).encode()
            signins = []
            for _ in range(6):
                c = socket.create_connection(("127.0.0.1", port2))
                c.sendall(b"POST /v1/session HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Type: application/json\r\n"
                          b"Content-Length: " + str(len(data)).encode() +
                          b"\r\n\r\n" + data)
                signins.append(c)
            self.reload_with(text, 2)
            for t in threads:
                t.join(30)
            for c in signins:
                c.settimeout(30)
                try:
                    r = http.client.HTTPResponse(c)
                    r.begin()
                    got = (r.status, r.read())
                except (OSError, http.client.HTTPException) as e:
                    got = ("closed", repr(e))
                c.close()
                self.assertIn(got[0], ("closed", 200, 503), got)
                if got[0] == 503:
                    self.assertIn(b"removed by a reload", got[1])
        finally:
            db.execute("ROLLBACK")
            db.close()
        self.assertIn(results["post"][0], ("closed", 503), results)
        if results["post"][0] == 503:
            self.assertIn(b"removed by a reload", results["post"][1])
        self.assertIn(results["stats"][0], ("closed", 200, 503), results)
        # The daemon serves on, and the refused write was not stored.
        self.assertEqual(self.d.request("GET", "/v1/whoami").status, 200)
        time.sleep(0.3)
        self.assertEqual(self.d.count_rows(), 0)
        self.assertEqual(self.d.post_call(good()).status, 201)


if __name__ == "__main__":
    unittest.main()


class TestNewToken(unittest.TestCase):
    """hotlined --new-token: a token shown once, a config entry that keeps
    only its hash, and the daemon knows the token by it."""

    def test_token_works_and_only_its_hash_is_kept(self):
        p = run("--new-token", "sun", "counselor")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        token = re.search(r"^  ([0-9a-f]{64})$", out, re.M).group(1)
        entry = re.search(r"^  (\{ name = \"sun\"; .*\},)$", out,
                          re.M).group(1)
        self.assertIn('role = "counselor"', entry)
        self.assertNotIn(token, entry)
        self.assertIn(hashlib.sha256(token.encode()).hexdigest(), entry)
        # Two runs, two tokens.
        again = run("--new-token", "sun", "counselor").stdout.decode()
        self.assertNotIn(token, again)
        tmp = tempfile.mkdtemp(prefix="hotlined-token-")
        try:
            # pbx.agents names dev.conf's operators: not these.
            d = Daemon(tmp, replace={"operators": "operators = (\n  %s\n);"
                                     % entry.rstrip(","),
                                     "pbx": "pbx = {\n};"}).start()
            try:
                r = d.request("GET", "/v1/whoami", who=token)
                self.assertEqual((r.status, r.json["name"], r.json["role"]),
                                 (200, "sun", "counselor"), r)
                r = d.request("GET", "/v1/whoami", who="dev-operator-wang")
                self.assertEqual(r.status, 401)
            finally:
                d.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_bad_names_and_roles(self):
        for args, says in ((["Sun", "counselor"], "name \"Sun\""),
                           (["sun", "boss"], "role \"boss\""),
                           (["", "admin"], "name \"\""),
                           (["sun"], "takes a name and a role"),
                           (["sun", "admin", "x"], "takes a name and a role")):
            p = run("--new-token", *args)
            self.assertEqual(p.returncode, 64, args)
            self.assertIn(says, p.stderr.decode())
            self.assertEqual(p.stdout, b"")
