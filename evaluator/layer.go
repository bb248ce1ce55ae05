package evaluator

// evaluateNewLayer is the useNewLayerEval algorithm (docs/semantics.md §2.10.2): every rule whose conditions
// and pass percentage pass contributes parameters (first writer wins); at most one experiment
// is delegated to, and only when its parameters do not collide with ones already set; the
// layer defaults fill the rest with rule id "default".
func (c *evalCtx) evaluateNewLayer(sp *spec) {
	values := map[string][]byte{}
	ruleIDs := map[string]string{}
	delegated := false
	ruleGroup, ruleSplit := "", false
	for i := range sp.rules {
		r := &sp.rules[i]
		c.evalRule(r)
		if c.unsupported {
			return
		}
		if !c.boolv || !c.passes(sp, r) {
			continue
		}
		if d := r.delegate; d != nil {
			ds := c.s.linked(&d.link, KindExperiment, d.name)
			if ds == nil || delegated {
				continue
			}
			saved := c.sec
			c.depth++
			outer := c.resultDepth
			c.resultDepth = c.depth
			c.evaluateSpec(d.name, KindExperiment, ds)
			c.resultDepth = outer // later rules' nested gates are at this depth too
			c.depth--
			if c.unsupported {
				return
			}
			params := c.value.object()
			clash := false
			for p := range params {
				if _, taken := values[p]; taken {
					clash = true
					break
				}
			}
			if clash {
				c.sec = saved
				continue
			}
			for p, v := range params {
				values[p], ruleIDs[p] = v, r.id
			}
			delegated = true
			ruleGroup, ruleSplit = c.ruleGroup, c.ruleSplit
			c.delegate = d.name
			c.ruleID = r.id
			c.explicit, c.hasExplicit = ds.explicit, ds.hasExplicit
			c.isExpGroup = r.isExpGroup.isTrue()
			continue
		}
		for p, v := range r.ret.object() {
			if _, taken := values[p]; !taken {
				values[p], ruleIDs[p] = v, r.id
			}
		}
	}
	for p, v := range sp.def.object() {
		if _, taken := values[p]; !taken {
			values[p], ruleIDs[p] = v, ruleIDDefault
		}
	}
	if !delegated {
		c.ruleID = ruleIDDefault
		c.groupName = ""
	}
	c.ruleGroup, c.ruleSplit = ruleGroup, ruleSplit
	c.boolv = true
	c.value = sp.def
	c.layerValue, c.paramRuleIDs = values, ruleIDs
	// In this path Server Core leaves the undelegated exposures empty.
	c.undelN, c.undelSet = 0, true
	c.finalize(sp, nil)
}
