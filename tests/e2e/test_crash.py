"""The short crash test (the long one is bench/torture): 8 writers retry
every call until it is acknowledged while the daemon is killed with
SIGKILL at 10 random moments and restarted; every acknowledged call is
then stored exactly once, queue items match their calls, and the store
is whole."""
import random

from crash import CrashWriters, check_store, kill_cycles
from harness import DaemonTest

WRITERS = 8
CYCLES = 10


class TestCrash(DaemonTest):
    def test_kill9_cycles_lose_nothing_duplicate_nothing(self):
        rng = random.Random(8)
        w = CrashWriters(self.d, WRITERS).start()
        try:
            kill_cycles(self.d, w, CYCLES, rng)
        finally:
            w.join()
        self.assertEqual(w.bad, [])
        self.assertGreater(len(w.acked), CYCLES)
        self.d.stop()
        self.assertEqual(check_store(self.d.db, w.acked), [])
        # The daemon starts again on what the kills left, and serves it.
        self.d.start()
        r = self.d.request("GET", "/v1/calls?limit=1", who="chen")
        self.assertEqual(r.status, 200, r)
