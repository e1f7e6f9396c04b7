"""The offline queue's fault test at full size (issue 19): 1,000 records made on a device without a
signal are sent through a connection that drops 30 % of the answers after the server has acted on the
request (Playwright aborts the answer of a request it has let through). The device sends each record
again until it has an answer, with the record's own id as the idempotency key. Reports counts: the
answers dropped, the rounds of sending, the records on the server, the duplicates and the losses
(target: zero of each); the time taken is printed for information only. The suite runs the same test
with 120 records.

Run: `.venv/bin/python benchmarks/offline_queue.py [records]` (default 1,000; Chromium at
/usr/bin/chromium; the browser tests' own server and demo database are used)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "fault.json"
        env = {**os.environ, "CHUNGTAY_FAULT_RECORDS": str(records), "CHUNGTAY_FAULT_REPORT": str(report)}
        test = (
            "tests/browser/test_offline_queue.py"
            "::test_records_sent_through_a_connection_that_drops_answers_arrive_once"
        )
        done = subprocess.run(
            [sys.executable, "-m", "pytest", test, "-q", "-p", "no:randomly", "-n", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if not report.exists():
            print(done.stdout[-3000:], done.stderr[-3000:])
            raise SystemExit("the fault test did not finish")
        figures = json.loads(report.read_text())
    per_record = figures["seconds"] / figures["records"]
    print(f"records made offline:          {figures['records']:,}")
    sent = figures["answers_dropped"] + figures["answers_delivered"]
    print(f"answers dropped after the act: {figures['answers_dropped']:,} (of {sent:,} sent)")
    print(f"rounds of sending:             {figures['rounds']}")
    print(f"activities on the server:      {figures['on_server']:,}")
    print(f"duplicates:                    {figures['duplicates']}")
    print(f"lost:                          {figures['lost']}")
    print(f"time:                          {figures['seconds']:.1f} s ({per_record * 1000:.0f} ms a record)")
    print("test result:", "passed" if done.returncode == 0 else "FAILED")
    if done.returncode != 0:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
