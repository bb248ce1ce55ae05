#!/usr/bin/env python3
"""Compares the evaluation results both sides of the exposure differential reported (drive.js
VALUES files: JSON lines [call index, op, result]).

usage: compare_values.py CORE.jsonl OURS.jsonl [--label NAME]
Values are compared as JSON (object key order and 1 vs 1.0 aside). Exit status 1 on any
difference; the first line is a one-line summary.
"""
import argparse
import collections
import json
import sys

from compare import num  # numbers by value, as the event comparison does


def load(path):
    out = {}
    for line in open(path):
        if line.strip():
            i, op, res = json.loads(line)
            out[i] = (op, num(res))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("core")
    ap.add_argument("ours")
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    core, ours = load(a.core), load(a.ours)
    diffs = collections.Counter()
    examples = []
    for i in sorted(set(core) | set(ours)):
        c, o = core.get(i), ours.get(i)
        if c is None or o is None:
            diffs["missing on one side"] += 1
            continue
        for k in sorted(set(c[1]) | set(o[1])):
            if c[1].get(k) != o[1].get(k):
                diffs["%s.%s" % (c[0], k)] += 1
                if len(examples) < 10:
                    examples.append("call %d %s %s: core %s ours %s" % (i, c[0], k, json.dumps(c[1].get(k))[:160],
                                                                        json.dumps(o[1].get(k))[:160]))
    n = len(set(core) | set(ours))
    if not diffs:
        print("== %s: %d results identical" % (a.label, n))
        return 0
    print("== %s: %d results, %d differences" % (a.label, n, sum(diffs.values())))
    for k, v in diffs.most_common():
        print("   %6d %s" % (v, k))
    for e in examples:
        print("   " + e)
    return 1


if __name__ == "__main__":
    sys.exit(main())
