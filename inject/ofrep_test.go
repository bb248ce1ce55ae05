package inject_test

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/statsig-operator/statsig-operator/inject"
)

func TestParseOFREPKeySecret(t *testing.T) {
	ofrep := func(secret string) map[string]string {
		return map[string]string{inject.AnnOFREP: "true", inject.AnnOFREPKeySecret: secret}
	}
	tests := []struct {
		name    string
		ann     map[string]string
		want    *inject.SecretKeyRef
		problem string
	}{
		{"name takes the default key", ofrep("ofrep-client"), &inject.SecretKeyRef{Name: "ofrep-client", Key: "key"}, ""},
		{"name/key", ofrep(" statsig.keys/client-key "), &inject.SecretKeyRef{Name: "statsig.keys", Key: "client-key"}, ""},
		{"no annotation, no key", map[string]string{inject.AnnOFREP: "true"}, nil, ""},
		{"empty", ofrep(""), nil, "is not a Secret name"},
		{"upper-case name", ofrep("Keys"), nil, `"Keys" is not a Secret name`},
		{"name from another namespace", ofrep("other-ns/keys/key"), nil, "is not a Secret key"},
		{"bad key", ofrep("keys/a key"), nil, `"a key" is not a Secret key`},
		{"empty key", ofrep("keys/"), nil, "is not a Secret key"},
		{"without ofrep", map[string]string{inject.AnnGates: "g", inject.AnnOFREPKeySecret: "keys"}, nil,
			"needs statsig-operator.io/ofrep"},
		{"ofrep false", map[string]string{inject.AnnOFREP: "false", inject.AnnOFREPKeySecret: "keys"}, nil,
			"needs statsig-operator.io/ofrep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, problems := inject.Parse(tt.ann, inject.Unit{Kind: inject.UnitWorkload})
			if !reflect.DeepEqual(req.OFREPKey, tt.want) {
				t.Errorf("OFREPKey = %+v, want %+v", req.OFREPKey, tt.want)
			}
			switch {
			case tt.problem == "" && len(problems) > 0:
				t.Errorf("problems = %q, want none", problems)
			case tt.problem != "" && (len(problems) != 1 || !strings.Contains(problems[0], tt.problem) ||
				!strings.Contains(problems[0], inject.AnnOFREPKeySecret)):
				t.Errorf("problems = %q, want one about %s containing %q", problems, inject.AnnOFREPKeySecret, tt.problem)
			}
		})
	}
}

func TestOFREPEndpoint(t *testing.T) {
	tests := []struct {
		tls  bool
		want string
	}{
		{false, "http://statsig-operator-endpoint.statsig-system.svc"},
		{true, "https://statsig-operator-endpoint.statsig-system.svc"},
	}
	for _, tt := range tests {
		if got := inject.OFREPEndpoint(inject.DefaultEndpointService, "statsig-system", tt.tls); got != tt.want {
			t.Errorf("OFREPEndpoint(tls=%v) = %q, want %q", tt.tls, got, tt.want)
		}
	}
}

// TestOFREPHeadersFromSecret checks the env a pod gets for OFREP with a key Secret: the key
// by secretKeyRef, then OFREP_HEADERS referencing it (dependent expansion needs that order),
// and that an existing container env is respected.
func TestOFREPHeadersFromSecret(t *testing.T) {
	p := testProject(t, nil)
	secretKey := corev1.EnvVar{Name: inject.EnvOFREPKey, ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "keys"}, Key: "ofrep",
		},
	}}
	tests := []struct {
		name     string
		ann      map[string]string
		endpoint string
		userEnv  []corev1.EnvVar
		want     []corev1.EnvVar
		userSet  []string
	}{
		{"endpoint, key and headers",
			map[string]string{inject.AnnOFREP: "true", inject.AnnOFREPKeySecret: "keys/ofrep"}, "https://ep.ns.svc", nil,
			[]corev1.EnvVar{
				{Name: "OFREP_ENDPOINT", Value: "https://ep.ns.svc"},
				secretKey,
				{Name: "OFREP_HEADERS", Value: "Authorization=Bearer $(STATSIG_OPERATOR_OFREP_KEY)"},
			}, nil},
		{"no key Secret: endpoint only",
			map[string]string{inject.AnnOFREP: "true"}, "http://ep.ns.svc", nil,
			[]corev1.EnvVar{{Name: "OFREP_ENDPOINT", Value: "http://ep.ns.svc"}}, nil},
		{"no endpoint (the endpoint role is off): nothing",
			map[string]string{inject.AnnOFREP: "true", inject.AnnOFREPKeySecret: "keys/ofrep"}, "", nil, nil, nil},
		{"the container's own OFREP_HEADERS wins",
			map[string]string{inject.AnnOFREP: "true", inject.AnnOFREPKeySecret: "keys/ofrep"}, "http://ep.ns.svc",
			[]corev1.EnvVar{{Name: "OFREP_HEADERS", Value: "X-API-Key=mine"}},
			[]corev1.EnvVar{
				{Name: "OFREP_HEADERS", Value: "X-API-Key=mine"},
				{Name: "OFREP_ENDPOINT", Value: "http://ep.ns.svc"},
				secretKey,
			}, []string{"app/OFREP_HEADERS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, problems := inject.Parse(tt.ann, inject.Unit{Kind: inject.UnitWorkload})
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			o, problems := inject.Evaluate(p, &req, inject.Subject{Namespace: "ns", Workload: "w"}, tt.endpoint)
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: tt.userEnv}}}
			userSet := inject.ApplyToPodSpec(&spec, o, nil)
			if !reflect.DeepEqual(spec.Containers[0].Env, tt.want) {
				t.Errorf("env = %+v\nwant  %+v", spec.Containers[0].Env, tt.want)
			}
			if !reflect.DeepEqual(userSet, tt.userSet) {
				t.Errorf("userSet = %v, want %v", userSet, tt.userSet)
			}
		})
	}
}

// TestHashCoversSecretRef: pointing at another Secret changes the outcome's hash, so the
// workload controller rolls the new reference out.
func TestHashCoversSecretRef(t *testing.T) {
	p := testProject(t, nil)
	hash := func(secret string) string {
		req, _ := inject.Parse(map[string]string{inject.AnnOFREP: "true", inject.AnnOFREPKeySecret: secret},
			inject.Unit{Kind: inject.UnitWorkload})
		o, problems := inject.Evaluate(p, &req, inject.Subject{Workload: "w"}, "http://ep")
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		return o.Hash()
	}
	if a, b := hash("keys/a"), hash("keys/b"); a == b {
		t.Errorf("hash %s is the same for two Secret keys", a)
	}
}

func TestRequestedByOFREPAnnotations(t *testing.T) {
	tests := []struct {
		ann  map[string]string
		want bool
	}{
		{map[string]string{inject.AnnOFREP: "true"}, true},
		{map[string]string{inject.AnnOFREPKeySecret: "keys"}, true}, // reported: it needs ofrep
		{map[string]string{inject.AnnStrict: "true"}, false},
	}
	for _, tt := range tests {
		if got := inject.Requested(tt.ann); got != tt.want {
			t.Errorf("Requested(%v) = %v, want %v", tt.ann, got, tt.want)
		}
	}
}
