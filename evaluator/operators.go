package evaluator

import (
	"math"
	"strings"
	"unsafe"
)

// apply runs a condition's operator on the user-side value v (docs/semantics.md §2.9). supported is false for
// unknown or missing operators.
//
//nolint:gocyclo // hot path: one flat switch, one case per operator, dispatches fastest and reads as the operator table
func (c *evalCtx) apply(cond *condition, v Value) (ok, supported bool) {
	t := &cond.target
	switch cond.op {
	case opGT, opGTE, opLT, opLTE:
		if !v.hasNum || v.kind == kindBool || !t.hasNum {
			return false, true
		}
		switch cond.op {
		case opGT:
			return v.num > t.num, true
		case opGTE:
			return v.num >= t.num, true
		case opLT:
			return v.num < t.num, true
		}
		return v.num <= t.num, true
	case opVersionGT, opVersionGTE, opVersionLT, opVersionLTE, opVersionEQ, opVersionNEQ:
		if !v.hasStr || t.kind != kindString {
			return false, true
		}
		vt := t.version()
		if vt == nil { // a target not compiled for a version operator: parse it now
			c := compileVersion(t.str, nil)
			vt = &c
		}
		cmp, valid := compareVersionTo(v.str, vt)
		if !valid {
			return false, true
		}
		switch cond.op {
		case opVersionGT:
			return cmp > 0, true
		case opVersionGTE:
			return cmp >= 0, true
		case opVersionLT:
			return cmp < 0, true
		case opVersionLTE:
			return cmp <= 0, true
		case opVersionEQ:
			return cmp == 0, true
		}
		return cmp != 0, true
	case opAny:
		return t.containsFold(v), true
	case opNone_:
		return !t.containsFold(v), true
	case opAnyCaseSensitive:
		return t.containsExact(v), true
	case opNoneCaseSensitive:
		return !t.containsExact(v), true
	case opStrStartsWithAny:
		return t.anyString(v, strings.HasPrefix), true
	case opStrEndsWithAny:
		return t.anyString(v, strings.HasSuffix), true
	case opStrContainsAny:
		return t.anyString(v, strings.Contains), true
	case opStrContainsNone:
		return !t.anyString(v, strings.Contains), true
	case opStrMatches:
		re := t.re()
		if !v.hasStr || re == nil {
			return false, true
		}
		return re.MatchString(v.str), true
	case opEQ:
		return equalTyped(v, t), true
	case opNEQ:
		return !equalTyped(v, t), true
	case opBefore, opAfter, opOn:
		return compareTime(cond.op, v, t), true
	case opInSegmentList, opNotInSegmentList:
		in := c.inList(v, t)
		if cond.op == opInSegmentList {
			return in, true
		}
		return !in, true
	case opArrayContainsAny, opArrayContainsNone, opArrayContainsAll, opNotArrayContainsAll:
		return arrayContains(cond.op, v, t), true
	}
	return false, false
}

// containsFold: case-insensitive membership of v's string view ("" when missing).
func (t *target) containsFold(v Value) bool {
	s := v.str
	switch t.kind {
	case kindArray:
		var buf [64]byte
		return t.hasLower(lowerOnStack(&buf, s))
	case kindObject:
		if t.buckets != nil && v.hasInt && v.i64 >= 0 && v.i64 < int64(len(smallInts)) && s == smallInts[v.i64] {
			return t.buckets[v.i64/64]&(1<<(v.i64%64)) != 0 // a user bucket: no parsing
		}
		return t.hasKey(s) || t.hasKey(strings.ToLower(s))
	case kindString:
		return strings.EqualFold(s, t.str)
	}
	return false
}

func (t *target) containsExact(v Value) bool {
	s := v.str
	switch t.kind {
	case kindArray:
		for i, n := 0, t.elems(); i < n; i++ {
			if t.elem(i) == s {
				return true
			}
		}
	case kindObject:
		return t.hasKey(s)
	case kindString:
		return s == t.str
	}
	return false
}

// anyString tests v's lower-cased string view against each lower-cased target element.
func (t *target) anyString(v Value, test func(s, sub string) bool) bool {
	s := lowerASCIIFast(v.str)
	switch t.kind {
	case kindArray:
		for i, n := 0, t.set.Len(); i < n; i++ {
			if test(s, t.set.At(i)) {
				return true
			}
		}
	case kindString:
		return test(s, strings.ToLower(t.str))
	}
	return false
}

// lowerOnStack is lowerASCIIFast writing a short ASCII result into buf (an upper-case
// country or email looked up in a set then allocates nothing); valid while buf is.
func lowerOnStack(buf *[64]byte, s string) string {
	if len(s) > len(buf) {
		return lowerASCIIFast(s)
	}
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return strings.ToLower(s)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
			upper = true
		}
		buf[i] = c
	}
	if !upper {
		return s
	}
	return unsafe.String(&buf[0], len(s))
}

// lowerASCIIFast lower-cases s, returning s itself when it has no upper-case letters.
func lowerASCIIFast(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// equalTyped is eq: typed by the target (docs/semantics.md §2.9).
func equalTyped(v Value, t *target) bool {
	switch t.kind {
	case kindNull:
		return v.IsMissing()
	case kindBool:
		return v.kind == kindBool && v.b == t.b
	case kindNumber:
		return v.hasNum && v.kind != kindBool && v.num == t.num
	case kindString:
		return v.hasStr && v.kind != kindArray && v.str == t.str
	case kindArray:
		list := t.list()
		elems := v.elems()
		if v.kind != kindArray || len(elems) != len(list) {
			return false
		}
		for i := range elems {
			if elems[i].str != list[i] {
				return false
			}
		}
		return true
	case kindObject:
		if t.buckets != nil {
			return false
		}
		obj := t.obj()
		fields := v.fields()
		if v.kind != kindObject || len(fields) != len(obj) {
			return false
		}
		for k, want := range obj {
			got, ok := fields[k]
			if !ok || got.str != want {
				return false
			}
		}
		return true
	}
	return false
}

// compareTime is before/after/on: the left side in seconds is scaled to ms, the right side
// is always ms; "on" is the same UTC day.
func compareTime(op opKind, v Value, t *target) bool {
	var left int64
	switch {
	case v.kind == kindString && v.hasTS:
		left = v.ts
	case v.kind == kindNumber && v.hasInt:
		left = v.i64
	default:
		return false
	}
	if left > -10_000_000_000 && left < 10_000_000_000 {
		left *= 1000
	}
	var right int64
	switch {
	case t.kind == kindString && t.hasTS:
		right = t.ts
	case t.kind == kindNumber && !math.IsNaN(t.num) && !math.IsInf(t.num, 0):
		right = int64(t.num)
	default:
		return false
	}
	switch op {
	case opBefore:
		return left < right
	case opAfter:
		return left > right
	}
	return left/86_400_000 == right/86_400_000
}

func (c *evalCtx) inList(v Value, t *target) bool {
	if t.kind != kindString || v.IsMissing() || !v.hasStr {
		return false
	}
	lists := c.e.lists()
	if lists == nil || !lists.Has(t.str) {
		return false
	}
	return lists.Contains(t.str, HashIDListID(v.str))
}

// arrayContains implements the array_* operators: both sides must be arrays; comparison is
// case-sensitive on string views.
func arrayContains(op opKind, v Value, t *target) bool {
	if v.kind != kindArray || t.kind != kindArray {
		return false
	}
	elems := v.elems()
	has := func(x string) bool {
		for i := range elems {
			if elems[i].str == x {
				return true
			}
		}
		return false
	}
	switch op {
	case opArrayContainsAny:
		for i, n := 0, t.elems(); i < n; i++ {
			if has(t.elem(i)) {
				return true
			}
		}
		return false
	case opArrayContainsNone:
		for i, n := 0, t.elems(); i < n; i++ {
			if has(t.elem(i)) {
				return false
			}
		}
		return true
	case opArrayContainsAll:
		for i, n := 0, t.elems(); i < n; i++ {
			if !has(t.elem(i)) {
				return false
			}
		}
		return true
	}
	for i, n := 0, t.elems(); i < n; i++ { // not_array_contains_all
		if !has(t.elem(i)) {
			return true
		}
	}
	return false
}
