package endpoint

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/statsig-operator/statsig-operator/serving"
)

func TestReadyzFollowsRegistry(t *testing.T) {
	reg := serving.NewRegistry()
	srv, err := NewServer(Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) int {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	if c := get("/healthz"); c != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", c)
	}
	if c := get("/readyz"); c != http.StatusServiceUnavailable {
		t.Errorf("/readyz with no project = %d, want 503", c)
	}
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	if c := get("/readyz"); c != http.StatusOK {
		t.Errorf("/readyz with a project = %d, want 200", c)
	}
	reg.Delete("eval")
	if c := get("/readyz"); c != http.StatusServiceUnavailable {
		t.Errorf("/readyz after delete = %d, want 503", c)
	}
}
