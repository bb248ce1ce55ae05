#!/usr/bin/env python3
"""Compares the events Server Core and our endpoint sent to the sink (exposure differential).

usage: compare.py OUTDIR [--plan plan.json] [--label NAME] [--examples 2] [--json FILE]
Reads OUTDIR/core.batches.jsonl and OUTDIR/ours.batches.jsonl, normalises what must differ
between two processes, compares the events as multisets and prints a summary by category.
Exit status 1 on any difference.

Normalisations (everything else is compared as sent, key presence included):
  * batch level: statsigMetadata (sdkType, sdkVersion, sessionID, flushType, os, ...) and the
    batching itself are per process/SDK; only the events are compared.
  * event "time": wall-clock time of the call; must be a positive number on both sides.
  * metadata "receivedAt": wall-clock time the process received the specs; must be a numeric
    string on both sides. ("lcut" is the payload's time and IS compared.)
  * numbers are compared by value: Server Core writes user numbers as floats (558.0), Go as 558;
    JSON consumers read the same number.
  * Server Core's internal events (statsig::diagnostics, statsig::non_exposed_checks,
    statsig::log_line) are counted, not compared: they describe the SDK process, and we do not
    send them (docs/semantics.md §4.3).
"""
import argparse
import collections
import json
import sys

INTERNAL = {"statsig::diagnostics", "statsig::non_exposed_checks", "statsig::log_line"}
EXPOSURES = {"statsig::gate_exposure", "statsig::config_exposure", "statsig::layer_exposure"}
MISSING = object()


def num(v):
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, dict):
        return {k: num(x) for k, x in v.items()}
    if isinstance(v, list):
        return [num(x) for x in v]
    return v


def load(path, info, side):
    events = []
    try:
        f = open(path)
    except FileNotFoundError:
        info.append("%s: no batches received" % side)
        return events
    batches = 0
    encs = collections.Counter()
    for line in f:
        b = json.loads(line)
        batches += 1
        encs[b.get("contentEncoding") or "identity"] += 1
        evs = b["body"].get("events") or []
        if b.get("eventCountHeader") not in (None, "", str(len(evs))):
            info.append("%s: statsig-event-count %s for %d events" % (side, b["eventCountHeader"], len(evs)))
        events.extend(evs)
    info.append("%s: %d batches (%s), %d events" % (side, batches, dict(encs), len(events)))
    return events


def normalise(e, problems):
    e = num(dict(e))
    t = e.pop("time", MISSING)
    if not isinstance(t, (int, float)) or t <= 0:
        problems.append("event time missing or not a positive number")
    md = e.get("metadata")
    if isinstance(md, dict) and "receivedAt" in md:
        md = dict(md)
        ok = isinstance(md["receivedAt"], str) and md["receivedAt"].isdigit()
        md["receivedAt"] = "<numeric string>" if ok else "<bad: %r>" % (md["receivedAt"],)
        e["metadata"] = md
    return e


def kind(e):
    n = e.get("eventName")
    if n not in EXPOSURES:
        return "custom event"
    md = e.get("metadata") if isinstance(e.get("metadata"), dict) else {}
    return n + (" manual" if md.get("isManualExposure") == "true" else "")


def pair_key(e):
    u = e.get("user") or {}
    md = e.get("metadata") if isinstance(e.get("metadata"), dict) else {}
    k = [e.get("eventName"), u.get("userID"), json.dumps(u.get("customIDs"), sort_keys=True),
         md.get("gate"), md.get("config"), md.get("parameterName"), md.get("isManualExposure")]
    if kind(e) == "custom event":
        k += [json.dumps(e.get("value")), json.dumps(e.get("metadata"), sort_keys=True)]
    return tuple(k)


def show(v):
    return "absent" if v is MISSING else json.dumps(v, sort_keys=True)[:300]


def short(v):
    return show(v) if not isinstance(v, (dict, list)) else type(v).__name__


def diff_dict(prefix, a, b, out):
    """Appends (category, detail) per differing key of two dicts."""
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k, MISSING), b.get(k, MISSING)
        if x == y:
            continue
        detail = "%s%s: Server Core %s, ours %s" % (prefix, k, show(x), show(y))
        if isinstance(x, dict) and isinstance(y, dict) and prefix == "user." and k == "custom":
            diff_dict("user.custom.", x, y, out)
        elif x is MISSING:
            out.append(("%s%s only in ours" % (prefix, k), detail))
        elif y is MISSING:
            out.append(("%s%s only in Server Core" % (prefix, k), detail))
        else:
            out.append(("%s%s differs" % (prefix, k), detail))


def diff_event(a, b):
    out = []
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k, MISSING), b.get(k, MISSING)
        if x == y:
            continue
        detail = "%s: Server Core %s, ours %s" % (k, show(x), show(y))
        if k in ("user", "metadata", "statsigMetadata") and isinstance(x, dict) and isinstance(y, dict):
            diff_dict(k + ".", x, y, out)
        elif k == "secondaryExposures" and isinstance(x, list) and isinstance(y, list):
            key = lambda s: json.dumps(s, sort_keys=True)
            same = sorted(map(key, x)) == sorted(map(key, y))
            out.append(("secondaryExposures: " + ("order differs" if same else "entries differ"), detail))
        else:
            out.append(("%s: %s on Server Core, %s on ours" % (k, short(x), short(y)), detail))
    return out


def ident(e):
    md = e.get("metadata") if isinstance(e.get("metadata"), dict) else {}
    parts = [e.get("eventName"), "user=%s" % (e.get("user") or {}).get("userID")]
    parts += ["%s=%s" % (k, md[k]) for k in ("gate", "config", "parameterName", "ruleID") if k in md]
    return " ".join(map(str, parts))


def read_params(plan):
    """(userID, layer, param) Server Core read; None when the plan read every parameter."""
    if not plan:
        return None
    read = set()
    for c in plan["calls"]:
        if c["op"] == "layer":
            if c.get("params") is None:
                return None
            uid = plan["users"][c["u"]].get("userID")
            read.update((uid, c["name"], p) for p in c["params"])
    return read


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--plan")
    ap.add_argument("--payload", help="the DCS payload: names unpaired exposures its sampling explains")
    ap.add_argument("--label", default="")
    ap.add_argument("--examples", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    info, problems = [], []
    plan = json.load(open(a.plan)) if a.plan else None
    raw = {s: load("%s/%s.batches.jsonl" % (a.outdir, s), info, s) for s in ("core", "ours")}
    internal = collections.Counter()
    ev = {}
    for side, evs in raw.items():
        ev[side] = []
        for e in evs:
            if e.get("eventName") in INTERNAL:
                internal["%s %s" % (side, e["eventName"])] += 1
                continue
            p = []
            ev[side].append(normalise(e, p))
            problems.extend("%s: %s" % (side, x) for x in p)
    canon = lambda e: json.dumps(e, sort_keys=True)
    cc = collections.Counter(map(canon, ev["core"]))
    co = collections.Counter(map(canon, ev["ours"]))
    matched = sum((cc & co).values())
    left = {"core": collections.defaultdict(list), "ours": collections.defaultdict(list)}
    for side, cnt, other in (("core", cc, co), ("ours", co, cc)):
        for c, n in (cnt - other).items():
            e = json.loads(c)
            left[side][pair_key(e)].extend([e] * n)
    matched_keys = {pair_key(json.loads(c)) for c in (cc & co)}
    cats = collections.Counter()
    examples = collections.defaultdict(list)
    read = read_params(plan)
    sampling = ""
    if a.payload:
        sdk = (json.load(open(a.payload)).get("sdk_configs") or {})
        if sdk.get("sampling_mode") in ("on", "shadow"):
            sampling = " (payload has sampling_mode %s: Server Core sampled it out?)" % sdk["sampling_mode"]

    def add(cat, ex):
        cats[cat] += 1
        if len(examples[cat]) < a.examples:
            examples[cat].append(ex)

    for k in sorted(set(left["core"]) | set(left["ours"]), key=str):
        xs, ys = left["core"].get(k, []), left["ours"].get(k, [])
        for x, y in zip(xs, ys):
            for cat, detail in diff_event(x, y):
                add("[%s] %s" % (kind(x), cat), "%s: %s" % (ident(x), detail))
        for x in xs[len(ys):]:
            why = " (a repeat of a matched event: dedupe)" if k in matched_keys else ""
            add("[%s] only in Server Core%s" % (kind(x), why), json.dumps(x, sort_keys=True))
        for y in ys[len(xs):]:
            why = ""
            md = y.get("metadata") or {}
            if k in matched_keys:
                why = " (a repeat of a matched event: dedupe)"
            elif y.get("eventName") == "statsig::layer_exposure" and read is not None and \
                    ((y.get("user") or {}).get("userID"), md.get("config"), md.get("parameterName")) not in read:
                why = " (layer exposure for a parameter Server Core did not read)"
            elif kind(y) in EXPOSURES:
                why = sampling
            add("[%s] only in ours%s" % (kind(y), why), json.dumps(y, sort_keys=True))
    for p in problems:
        cats[p] += 1
    label = a.label or a.outdir
    total = len(ev["core"]) + len(ev["ours"])
    print("== exposure diff %s: %d Server Core events, %d ours, %d identical after normalisation"
          % (label, len(ev["core"]), len(ev["ours"]), matched))
    for i in info:
        print("   " + i)
    for k, n in sorted(internal.items()):
        print("   not compared: %s x%d" % (k, n))
    if not cats:
        print("   no differences")
    else:
        print("   differences by category (an event can be in several):")
        for c, n in cats.most_common():
            print("   %6d  %s" % (n, c))
        print("   examples:")
        for c in list(cats)[:30]:
            for ex in examples.get(c, []):
                print("   - %s\n       %s" % (c, ex[:800]))
    if a.json:
        json.dump({"label": label, "core": len(ev["core"]), "ours": len(ev["ours"]), "identical": matched,
                   "categories": dict(cats), "internal": dict(internal)}, open(a.json, "w"), indent=1)
    sys.exit(1 if cats or total == 0 else 0)


if __name__ == "__main__":
    main()
