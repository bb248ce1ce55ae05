package evaluator

import (
	"strings"

	"github.com/statsig-operator/statsig-operator/evaluator/ipcountry"
	"github.com/statsig-operator/statsig-operator/evaluator/uaparser"
)

// uaMaxLength: longer user agents are not parsed (Server Core skips them).
const uaMaxLength = 1000

type uaResult struct {
	ok bool
	r  uaparser.Result
}

// evalCondition sets c.boolv to the condition's outcome, or marks the evaluation unsupported.
func (c *evalCtx) evalCondition(cond *condition) {
	var v Value
	switch cond.typ {
	case condPublic:
		c.boolv = true
		return
	case condPassGate, condFailGate:
		c.nestedGate(cond, cond.typ == condFailGate)
		return
	case condUserField:
		v = c.e.lookupField(c.u, cond.fieldCode, cond.field, cond.lfield)
	case condEnvironmentField:
		v = c.envValue(cond.field, cond.lfield)
	case condIPBased:
		v = c.ipValue(cond.field)
	case condUABased:
		v = c.uaValue(cond.field)
	case condCurrentTime:
		v = intValue(c.now())
		c.u.validUntil(clockChange(cond, c.now()))
	case condUserBucket:
		v = intValue(c.bucketOf(cond))
	case condUnitID:
		if cond.idTypeIsUser {
			v = c.u.UserID
		} else {
			v = c.u.UnitID(cond.idType)
		}
	case condTargetApp:
		if c.appID != "" {
			v = StringValue(c.appID)
		}
	case condExperimentGroup:
		v = c.experimentGroup(cond.gateName())
	default:
		c.unsupported = true
		return
	}
	ok, supported := c.apply(cond, v)
	if !supported {
		c.unsupported = true
		return
	}
	c.boolv = ok
}

// envValue implements environment_field lookup (docs/semantics.md §2.4).
func (c *evalCtx) envValue(field, lfield string) Value {
	if v, ok := c.u.StatsigEnvironment[field]; ok {
		return v
	}
	if lfield == "tier" {
		if tier := c.e.sdkEnvironment(c.s); tier != "" {
			return StringValue(tier)
		}
	}
	return Value{}
}

// ipValue implements ip_based lookup: the user's field, else for "country" the country of
// the user's IP address (unless the country lookup is disabled).
//
//nolint:goconst // user field names, spelled as conditions and payloads spell them
func (c *evalCtx) ipValue(field string) Value {
	if v := c.e.lookup(c.u, field); !v.IsMissing() {
		return v
	}
	if field != "country" || c.e.opts.DisableCountryLookup {
		return Value{}
	}
	ip := c.e.lookup(c.u, "ip")
	if !ip.hasStr || ip.str == "" {
		return Value{}
	}
	if country, ok := ipcountry.Lookup(ip.str); ok {
		return StringValue(country)
	}
	return Value{}
}

func (c *evalCtx) uaValue(field string) Value {
	if v := c.e.lookup(c.u, field); !v.IsMissing() {
		return v
	}
	if c.e.opts.DisableUserAgentParsing {
		return Value{}
	}
	if c.ua == nil {
		c.ua = &uaResult{}
		ua := c.e.lookup(c.u, "userAgent")
		if ua.hasStr && ua.str != "" && len(ua.str) <= uaMaxLength {
			c.ua.ok, c.ua.r = true, uaparser.Parse(ua.str)
		}
	}
	if !c.ua.ok {
		return Value{}
	}
	switch strings.ToLower(field) {
	case "os_name", "osname":
		return StringValue(c.ua.r.OSName)
	case "os_version", "osversion":
		return StringValue(c.ua.r.OSVersion)
	case "browser_name", "browsername":
		return StringValue(c.ua.r.BrowserName)
	case "browser_version", "browserversion":
		return StringValue(c.ua.r.BrowserVersion)
	}
	return Value{}
}

// experimentGroup is the group name the user gets in an experiment (experiment_group).
func (c *evalCtx) experimentGroup(name string) Value {
	sub := c.e.acquire(c.s, c.u)
	defer c.e.release(sub)
	sub.depth = c.depth + 1
	if sub.depth >= maxDepth {
		return Value{}
	}
	sub.evaluate(name, KindExperiment)
	if sub.groupName == "" {
		return Value{}
	}
	return StringValue(sub.groupName)
}
