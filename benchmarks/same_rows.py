"""Whether two `newsrag eval --json` reports gave the same answer to every question.

    .venv/bin/python -m benchmarks.same_rows BEFORE.json AFTER.json [BEFORE2.json AFTER2.json ...]

For a change that must not change behaviour (a refactor): each question's row (the answer's
text, short answer, abstention, what was retrieved and read, conflicts) is compared; timings
are not.  Prints, per pair, how many rows are the same and the first differences; exits 1 when
any differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def rows(path: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in json.loads(path.read_text())["questions"]}


def differences(before: Path, after: Path) -> list[str]:
    a, b = rows(before), rows(after)
    out = [f"{q}: only in {before.name}" for q in a.keys() - b.keys()]
    out += [f"{q}: only in {after.name}" for q in b.keys() - a.keys()]
    for q in sorted(a.keys() & b.keys()):
        changed = [k for k in sorted(a[q].keys() | b[q].keys()) if a[q].get(k) != b[q].get(k)]
        out += [f"{q}: {k}: {a[q].get(k)!r} → {b[q].get(k)!r}" for k in changed]
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__)
        return 2
    failed = False
    for before, after in zip(argv[::2], argv[1::2], strict=True):
        diff = differences(Path(before), Path(after))
        n = len(rows(Path(before)))
        print(f"{Path(before).name} → {Path(after).name}: {n} questions, {len({d.split(':')[0] for d in diff})} differ")
        for line in diff[:10]:
            print("  " + line[:300])
        failed |= bool(diff)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
