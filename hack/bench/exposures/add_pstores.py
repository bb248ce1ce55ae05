#!/usr/bin/env python3
"""Adds a parameter store referencing every gate, config, experiment and layer of a payload.

usage: add_pstores.py IN.json OUT.json
The store "all_entities" gets, per gate, a gate parameter; per config, experiment and layer, one
parameter per parameter name its values hold plus one it does not hold. Used by
hack/test-exposures.sh to read parameter stores on the fixtures' own entities (e.g. with
exposure sampling on).
"""
import json
import sys


def keys(spec):
    ks = set((spec.get("defaultValue") or {}).keys()) if isinstance(spec.get("defaultValue"), dict) else set()
    for r in spec.get("rules") or []:
        if isinstance(r.get("returnValue"), dict):
            ks |= set(r["returnValue"].keys())
    return sorted(ks)


def main():
    src, dst = sys.argv[1:3]
    d = json.load(open(src))
    params = {}
    for n, s in sorted((d.get("feature_gates") or {}).items()):
        if s.get("entity") in ("feature_gate", None):
            params["g_%d" % len(params)] = {"ref_type": "gate", "param_type": "string", "gate_name": n,
                                            "pass_value": "pass", "fail_value": "fail"}
    for n, s in sorted((d.get("dynamic_configs") or {}).items()):
        exp = s.get("entity") == "experiment"
        for k in keys(s) + ["no_such_param"]:
            params["c_%d" % len(params)] = {"ref_type": "experiment" if exp else "dynamic_config",
                                            "param_type": "string",
                                            ("experiment_name" if exp else "config_name"): n, "param_name": k}
    for n, s in sorted((d.get("layer_configs") or {}).items()):
        for k in keys(s) + ["no_such_param"]:
            params["l_%d" % len(params)] = {"ref_type": "layer", "param_type": "string", "layer_name": n,
                                            "param_name": k}
    stores = dict(d.get("param_stores") or {})
    stores["all_entities"] = {"parameters": params, "version": 1}
    d["param_stores"] = stores
    json.dump(d, open(dst, "w"))


if __name__ == "__main__":
    main()
