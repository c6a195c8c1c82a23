#!/usr/bin/python3
"""Prints one closing line for a meson test run from its testlog.json:
'check: N passed, N failed, N skipped' (subtests of TAP and pytest included where known)."""
import json
import pathlib
import sys


def main() -> int:
    log = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build") / "meson-logs" / "testlog.json"
    if not log.exists():
        print(f"test-summary: {log} not found", file=sys.stderr)
        return 1
    passed = failed = skipped = 0
    for line in log.read_text().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        result = entry.get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
    print(f"check: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
