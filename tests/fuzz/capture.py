#!/usr/bin/env python3
"""Capture the response harness's seeds from a real daemon.

usage: tests/fuzz/capture.py [--replay PATH] [NAME ...]

Starts a fresh hotlined (tests/e2e/harness.py) and stores some calls, then
runs each command line of COMMANDS through the replay build of
fuzz_response (FUZZ_TRACE set): each request it names is sent to the daemon
and its answer appended to the input, until the command asks for nothing
more. Each input is written to tests/fuzz/corpus/response/NAME (only the
NAMEs given, if any). Run from
the top of the tree after `make build/obj/tests/unit/test_fuzz_response`.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
import harness  # noqa: E402

OUT = os.path.join(HERE, "corpus", "response")

# name: (who, command line)
COMMANDS = {
    "show": ("chen", "show 2"),
    "show-json": ("wang", "show --json 1"),
    "show-redacted": ("zhao", "show 2"),
    "show-missing": ("chen", "show 999"),
    "show-forbidden": ("li", "show 1"),
    "list": ("chen", "list --from 2020-01-01 --to 2030-12-31"),
    "list-all": ("chen", "list --limit 1 --all"),
    "list-mine": ("wang", "list --today --mine"),
    "list-bad": ("chen", "list --risk extreme"),
    "schema": ("zhou", "schema"),
    "whoami": ("zhou", "whoami"),
    "queue": ("zhao", "queue"),
    "queue-items": ("zhao", "queue mhc --state open"),
    "queue-claimed": ("zhao", "queue mhc --state claimed --limit 5"),
    "queue-missing": ("zhao", "queue nowhere"),
    "claim": ("zhao", "claim mhc"),
    "claim-empty": ("zhou", "claim legal"),
    "done": ("zhao", "done 1 --resolution referred"),
    "renew": ("zhou", "renew 2"),
    "release": ("zhou", "release 2"),
    "item": ("zhao", "item 1"),
    "item-missing": ("zhao", "item 999"),
    "stats": ("chen", "stats --from 2020-01-01 --to 2030-12-31 --by line,risk"),
    "stats-day": ("chen", "stats --from TODAY --to TODAY --by day --chart"),
    "stats-csv": ("chen", "stats --from 2020-01-01 --to 2030-12-31 --by topic "
                  "--format csv"),
    "stats-forbidden": ("wang", "stats --from 2020-01-01 --to 2020-01-31"),
    "export": ("chen", "export --from 2020-01-01 --to 2030-12-31 --format json"),
    "export-csv": ("chen", "export --from 2020-01-01 --to 2030-12-31"),
    "report": ("chen", "report --from TODAY --to TODAY"),
    "status": ("chen", "status"),
    "status-json": ("chen", "status --json"),
}

CALLS = [
    ("wang", harness.good()),
    ("li", harness.good(line="9120", risk="high", topics=["grief", "sleep"],
                        outcome="referred", notes="说了很多",
                        caller_name="王", caller_contact="13800000000",
                        consent=True)),
    ("wang", harness.good(line="2325", risk="imminent", topics=["other"])),
    ("li", harness.good(risk="moderate", topics=["anxiety", "family"])),
]


def fetch(d, who, method, path):
    if path.split("?")[0] in ("/healthz", "/status", "/metrics"):
        return d.status(path)
    body = None
    if method == "POST" and path.endswith("/complete"):
        body = {"resolution": "referred"}
    return d.request(method, path, body=body, who=who,
                     raw=b"" if method == "POST" and body is None else None,
                     content_type=None if body is None else
                     "application/json")


def capture(d, replay, who, line):
    data = line.encode() + b"\n"
    for _ in range(16):
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(data)
        p = subprocess.run([replay, f.name], cwd=TOP, capture_output=True,
                           env=dict(os.environ, FUZZ_TRACE="1"))
        os.unlink(f.name)
        want = [ln.split(" ", 2)[1:] for ln in
                p.stderr.decode("utf-8", "replace").splitlines()
                if ln.startswith("FUZZ_TRACE ")]
        if p.returncode != 0:
            raise SystemExit(f"{line}: the replay failed:\n{p.stderr}")
        if not want:
            return data
        r = fetch(d, who, *want[0])
        data += b"HTTP %d\n" % r.status + r.raw.rstrip(b"\n") + b"\n"
    raise SystemExit(f"{line}: more than 16 requests")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replay", default=os.path.join(
        TOP, "build", "obj", "tests", "unit", "test_fuzz_response"))
    ap.add_argument("names", nargs="*", help="only these inputs")
    a = ap.parse_args()
    import time
    today = time.strftime("%Y-%m-%d")
    with tempfile.TemporaryDirectory() as tmp:
        d = harness.Daemon(tmp, status=True)
        d.start()
        try:
            for who, call in CALLS:
                r = d.post_call(call, who=who)
                assert r.status == 201, r
            os.makedirs(OUT, exist_ok=True)
            for name, (who, line) in COMMANDS.items():
                if a.names and name not in a.names:
                    continue
                line = line.replace("TODAY", today)
                data = capture(d, a.replay, who, line)
                with open(os.path.join(OUT, name), "wb") as f:
                    f.write(data)
                print(f"{name}: {data.count(b'HTTP ')} answers")
        finally:
            d.stop()


if __name__ == "__main__":
    main()
