#!/usr/bin/env python3
"""Compares the parameter-store values Server Core and our endpoint returned (drive.js PSTORE_VALUES).

usage: compare_pstores.py CORE.jsonl OURS.jsonl [--label NAME] [--examples 5]
Each line is [call index, parameter, value]; numbers are compared by value (Server Core may
write 2.0 where we write 2). Exit status 1 on any difference (or when the reads differ).
"""
import argparse
import json
import sys

from compare import num  # numbers by value, as the event comparison does


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("core")
    ap.add_argument("ours")
    ap.add_argument("--label", default="")
    ap.add_argument("--examples", type=int, default=5)
    a = ap.parse_args()
    core, ours = load(a.core), load(a.ours)
    diffs = []
    if len(core) != len(ours):
        diffs.append("reads: Server Core %d, ours %d" % (len(core), len(ours)))
    for x, y in zip(core, ours):
        if x[:2] != y[:2]:
            diffs.append("read order: Server Core %s, ours %s" % (x[:2], y[:2]))
            break
        if num(x[2]) != num(y[2]):
            diffs.append("call %d %s: Server Core %s, ours %s" % (x[0], x[1], json.dumps(x[2]), json.dumps(y[2])))
    print("== parameter-store values %s: %d reads, %d differing" % (a.label, len(core), len(diffs)))
    for d in diffs[: a.examples]:
        print("   - " + d)
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
