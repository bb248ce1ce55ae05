#!/usr/bin/env python3
"""Writes the call plan both sides of the exposure differential execute (hack/test-exposures.sh).

usage: plan.py PAYLOAD.json [--users users.jsonl] [--n-users 200] [--seed 1]
               [--layer-params all|subset] > plan.json

The plan is {"sdk_key", "users": [...], "calls": [...]}, one call:
  {"u": i, "op": "gate"|"config"|"experiment", "name": N}
  {"u": i, "op": "layer", "name": N, "params": null | [names]}   null = read every parameter
  {"u": i, "op": "event", "eventName": E, "value": V, "metadata": {...}}
  {"u": i, "op": "manual", "kind": "gate"|"config"|"experiment"|"layer", "name": N, "param": P}
  {"u": i, "op": "pstore", "name": STORE, "reads": [{"p": PARAM, "fb"?: FALLBACK}]}
      getParameterStore(user, STORE).getValue(PARAM[, FALLBACK]) for each read (payloads with
      param_stores only; drawn from their own random source, so the other calls are unchanged)
Entity names come from the payload itself (so any dcs-v2 fixture works); every entity is called
at least once (round robin), some calls repeat (exposure dedupe) and some name unknown specs.
"""
import argparse
import json
import random


def entities(payload):
    dc = payload.get("dynamic_configs") or {}
    exps = sorted(n for n, s in dc.items() if s.get("entity") == "experiment")
    exps += sorted(n for n in (payload.get("cmab_configs") or {}) if n not in dc)  # get_experiment only
    cfgs = sorted(n for n, s in dc.items() if s.get("entity") != "experiment")
    gates = sorted((payload.get("feature_gates") or {}).keys())
    layers = {n: sorted((s.get("defaultValue") or {}).keys())
              for n, s in sorted((payload.get("layer_configs") or {}).items())}
    return gates, cfgs, exps, layers


def synth_users(n, rnd):
    # Varied shapes for payloads that come without users (the server-core fixtures).
    out = []
    for i in range(n):
        u = {"userID": "user_%04d" % i}
        if i % 3:
            u["email"] = "person%d@%s" % (i, rnd.choice(["example.com", "statsig.com", "gmail.com"]))
        if i % 4 == 0:
            u["country"] = rnd.choice(["US", "DE", "JP", "BR"])
        if i % 5 == 0:
            u["appVersion"] = "%d.%d.%d" % (rnd.randint(1, 9), rnd.randint(0, 20), rnd.randint(0, 9))
        if i % 7 == 0:
            u["ip"] = "1.2.3.%d" % (i % 250)
        if i % 6 == 0:
            u["userAgent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
        u["custom"] = {"level": i % 10, "plan": rnd.choice(["free", "pro"])}
        if i % 2:
            u["customIDs"] = {"companyID": "company_%03d" % (i % 40), "stableID": "stable-%d" % i}
        out.append(u)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("payload")
    ap.add_argument("--users")
    ap.add_argument("--n-users", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layer-params", choices=["all", "subset"], default="all")
    ap.add_argument("--sdk-key", default="secret-exposures")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    payload = json.load(open(a.payload))
    gates, cfgs, exps, layers = entities(payload)
    if a.users:
        with open(a.users) as f:
            users = [json.loads(l) for l in f if l.strip()][: a.n_users]
    else:
        users = synth_users(a.n_users, rnd)
    for i, u in enumerate(users):
        # Half the users without their own environment: the SDK's tier must then be logged.
        if i % 2:
            u.pop("statsigEnvironment", None)
        # privateAttributes are used for evaluation and must never be logged.
        if i % 5 == 1:
            u["privateAttributes"] = {"secret_note": "p%d" % i}
    layer_names = list(layers)
    calls = []
    cursor = {"gate": 0, "config": 0, "experiment": 0, "layer": 0}
    pools = {"gate": gates, "config": cfgs, "experiment": exps, "layer": layer_names}

    def nxt(op):
        pool = pools[op]
        if not pool:
            return None
        n = pool[cursor[op] % len(pool)]
        cursor[op] += 1
        return n

    per_user = {"gate": 4, "config": 2, "experiment": 2, "layer": 2}
    for i in range(len(users)):
        first_gate = None
        for op, k in per_user.items():
            for _ in range(k):
                n = nxt(op)
                if n is None:
                    continue
                c = {"u": i, "op": op, "name": n}
                if op == "layer":
                    ps = layers[n]
                    c["params"] = None if a.layer_params == "all" else sorted(rnd.sample(ps, (len(ps) + 1) // 2))
                calls.append(c)
                first_gate = first_gate or (n if op == "gate" else None)
        if first_gate:  # a repeat: deduped by both sides
            calls.append({"u": i, "op": "gate", "name": first_gate})
        if i % 25 == 0:  # unknown specs are exposed too
            calls.append({"u": i, "op": rnd.choice(["gate", "config", "experiment"]), "name": "no_such_entity_%d" % i})
        ev = {"u": i, "op": "event", "eventName": rnd.choice(["purchase", "page_view", "signup"])}
        r = i % 3
        ev["value"] = None if r == 0 else ("sku_%d" % i if r == 1 else i * 1.5)
        ev["metadata"] = None if i % 4 == 0 else {"source": "exposurediff", "n": str(i)}
        calls.append(ev)
        # Manual exposures (switched on with MANUAL_EXPOSURES=1): one per user, rotating kinds.
        kind = ["gate", "config", "experiment", "layer"][i % 4]
        n = nxt(kind)
        if n is not None:
            m = {"u": i, "op": "manual", "kind": kind, "name": n, "param": None}
            if kind == "layer":
                if not layers[n]:
                    continue
                m["param"] = rnd.choice(layers[n])
            calls.append(m)
    calls = add_param_store_calls(payload, users, calls, a.seed)
    json.dump({"sdk_key": a.sdk_key, "users": users, "calls": calls}, __import__("sys").stdout)


FALLBACKS = {"string": "fallback", "number": -1, "boolean": False, "array": [], "object": {}}


def add_param_store_calls(payload, users, calls, seed):
    """Two parameter-store reads per user after the user's other calls, when the payload has
    stores: known and unknown stores and parameters, no fallback, a null one, one of the
    parameter's declared type and one of another type."""
    stores = payload.get("param_stores")
    if not isinstance(stores, dict) or not stores:
        return calls
    rnd = random.Random(seed * 7919 + 17)
    names = sorted(stores)
    per_user = {}
    for i in range(len(users)):
        out = []
        for k in range(2):
            store = names[(2 * i + k) % len(names)] if rnd.random() > 0.05 else "no_such_store"
            params = sorted(((stores.get(store) or {}).get("parameters") or {}).items())
            picked = rnd.sample(params, min(len(params), rnd.randint(1, 4))) if params else []
            if rnd.random() < 0.2:
                picked.append(("no_such_param", {"param_type": "string"}))
            reads = []
            for pn, prm in picked:
                r = {"p": pn}
                mode = rnd.randrange(4)
                if mode == 1:
                    r["fb"] = None
                elif mode == 2:
                    r["fb"] = FALLBACKS.get((prm or {}).get("param_type"), "fallback")
                elif mode == 3:
                    r["fb"] = rnd.choice(list(FALLBACKS.values()))
                reads.append(r)
            out.append({"u": i, "op": "pstore", "name": store, "reads": reads})
        per_user[i] = out
    merged = []
    for idx, c in enumerate(calls):
        merged.append(c)
        last = idx + 1 == len(calls) or calls[idx + 1]["u"] != c["u"]
        if last:
            merged.extend(per_user.pop(c["u"], []))
    for rest in per_user.values():
        merged.extend(rest)
    return merged


if __name__ == "__main__":
    main()
