#!/usr/bin/env python3
"""Local overrides for the exposure differential (hack/test-exposures.sh, OVERRIDE_* cases).

usage: overrides.py PAYLOAD.json PLAN.json OUTDIR [--seed 1] [--n 60]

Draws overrides over the plan's entities (gates — nested ones included —, dynamic configs,
experiments by value and by group name, layers, and names the payload does not have), each for everyone or for IDs the plan's users carry (userIDs and custom ID values),
some already expired, some expiring in an hour; appends calls for the names only overrides know.
Writes:
  OUTDIR/overrides.core.json   Server Core's override calls, in order (a later call for the same
                               name, kind and ID replaces an earlier one)
  OUTDIR/overrides.yaml        the same as StatsigOverride objects for `serve --overrides`
                               (creationTimestamp ascending: the newest wins, as the operator's)
  PLAN.json                    rewritten with the extra calls
An expired override is given to ours only (Server Core has no expiry): it must not apply.
"""
import argparse
import datetime
import json
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("payload")
    ap.add_argument("plan")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=60)
    a = ap.parse_args()
    rnd = random.Random(a.seed * 7919 + 17)
    payload = json.load(open(a.payload))
    plan = json.load(open(a.plan))
    users = plan["users"]

    gates = sorted((payload.get("feature_gates") or {}).keys())
    dc = payload.get("dynamic_configs") or {}
    exps = sorted(n for n, s in dc.items() if s.get("entity") in ("experiment", "autotune"))
    cfgs = sorted(n for n, s in dc.items() if s.get("entity") == "dynamic_config")
    layers = sorted((payload.get("layer_configs") or {}).keys())
    stores = payload.get("param_stores") or {}
    # Nested gates: gates conditions of other specs point at; overriding one changes others.
    nested = sorted({c.get("targetValue") for c in (payload.get("condition_map") or {}).values()
                     if c.get("type") in ("pass_gate", "fail_gate") and isinstance(c.get("targetValue"), str)
                     and c.get("targetValue") in (payload.get("feature_gates") or {})})

    ids = []
    for u in users:
        if u.get("userID"):
            ids.append(str(u["userID"]))
        for v in (u.get("customIDs") or {}).values():
            if isinstance(v, str) and v:
                ids.append(v)
    ids = sorted(set(ids))

    def pick_ids():
        r = rnd.random()
        if r < 0.35 or not ids:
            return []
        return rnd.sample(ids, min(len(ids), rnd.randint(1, 4)))

    def value():
        return {"overridden": rnd.choice([True, False]), "n": rnd.randint(0, 99),
                "s": rnd.choice(["a", "b", "override-%d" % rnd.randint(0, 9)])}

    def groups(name):
        return sorted({r.get("groupName") for r in (dc.get(name) or {}).get("rules", []) if r.get("groupName")})

    base = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    core, objects, extra_names = [], [], []
    # No parameter-store overrides: Server Core 0.23.2's getParameterStore never consults its
    # override adapter (they have no effect there); ours apply, tested in evaluator/.
    kinds = ["gate"] * 4 + ["nested"] * 2 + ["config"] * 2 + ["experiment", "experiment_group"] * 2 + ["layer", "unknown"]
    for i in range(a.n):
        kind = rnd.choice(kinds)
        spec = {"statsigSpecName": "standalone"}
        call = None
        if kind in ("gate", "nested", "unknown") and (gates or kind == "unknown"):
            pool = nested if kind == "nested" and nested else gates
            name = "override_only_gate_%d" % i if kind == "unknown" or not pool else rnd.choice(pool)
            if kind == "unknown":
                extra_names.append(("gate", name))
            v = rnd.random() < 0.5
            spec["gate"] = {"name": name, "value": v}
            call = ("overrideGate", name, v)
        elif kind == "config" and cfgs:
            name, v = rnd.choice(cfgs), value()
            spec["dynamicConfig"] = {"name": name, "value": v}
            call = ("overrideDynamicConfig", name, v)
        elif kind == "experiment" and exps:
            name, v = rnd.choice(exps), value()
            spec["experiment"] = {"name": name, "value": v}
            call = ("overrideExperiment", name, v)
        elif kind == "experiment_group" and exps:
            name = rnd.choice(exps)
            g = groups(name)
            grp = rnd.choice(g + ["No Such Group"]) if g else "No Such Group"
            spec["experiment"] = {"name": name, "groupName": grp}
            call = ("overrideExperimentByGroupName", name, grp)
        elif kind == "layer" and layers:
            name = rnd.choice(layers)
            keys = sorted(((payload["layer_configs"][name].get("defaultValue")) or {}).keys())
            v = {k: rnd.choice(["layer-override", 7, False]) for k in keys[:3]} or value()
            spec["layer"] = {"name": name, "value": v}
            call = ("overrideLayer", name, v)
        elif kind == "store" and stores:
            name = rnd.choice(sorted(stores))
            params = sorted((stores[name].get("parameters") or {}).keys())
            v = {p: rnd.choice(["store-override", 3, True]) for p in params[:3]}
            spec["parameterStore"] = {"name": name, "value": v}
            call = ("overrideParameterStore", name, v)
        if call is None:
            continue
        spec_ids = pick_ids()
        if spec_ids:
            spec["ids"] = spec_ids
        expired = rnd.random() < 0.1
        if expired:
            spec["expiresAt"] = (now - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif rnd.random() < 0.2:
            spec["expiresAt"] = (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        created = (base + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        objects.append({"apiVersion": "flags.statsig-operator.io/v1alpha1", "kind": "StatsigOverride",
                        "metadata": {"name": "ov-%03d" % i, "namespace": "diff", "creationTimestamp": created},
                        "spec": spec})
        if not expired:
            for id_ in spec_ids or [None]:
                core.append({"fn": call[0], "name": call[1], "value": call[2], "id": id_})

    # Calls for names only overrides know, for every user.
    for kind, name in extra_names:
        for ui in range(len(users)):
            plan["calls"].append({"u": ui, "op": kind, "name": name})
    json.dump(core, open(a.outdir + "/overrides.core.json", "w"))
    json.dump({"apiVersion": "v1", "kind": "List", "items": objects}, open(a.outdir + "/overrides.yaml", "w"), indent=1)
    json.dump(plan, open(a.plan, "w"))
    print("%d overrides (%d Server Core calls), %d names only overrides know" % (len(objects), len(core), len(extra_names)))


if __name__ == "__main__":
    main()
