package endpoint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/statsig"
)

// TestIDListsReservedToSDKs syncs lists into a project, then lets the operator's own Statsig
// client (the same manifest + ranged-download protocol the SDKs use) sync from the proxy.
func TestIDListsReservedToSDKs(t *testing.T) {
	env := newTestEnv(t, nil)
	dir := fixtures(t)
	upstream, err := statsig.NewIDListState().Update(map[string]statsig.IDListInfo{
		"company_id_list": {Name: "company_id_list", Size: 270, URL: "fixture", CreationTime: 1, FileID: "f1"},
	}, func(d statsig.IDListDownload) (*statsig.IDListBody, error) {
		f, err := os.Open(filepath.Join(dir, "server-core", "company_id_list"))
		return &statsig.IDListBody{ReadCloser: f}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	eval := env.reg.Get("eval")
	p := &serving.Project{
		Name: eval.Name, Revision: eval.Revision, Evaluator: eval.Evaluator, Payload: eval.Payload,
		IDLists: upstream,
	}
	p.SetKeys(serving.ServerKey(testKey))
	env.reg.Set(p)

	c, err := statsig.New(statsig.Options{IDListsURL: env.http.URL + "/v1/get_id_lists"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.SyncIDLists(context.Background(), testKey, statsig.NewIDListState())
	if err != nil {
		t.Fatal(err)
	}
	if !got.Has("company_id_list") || !got.Contains("company_id_list", "Krhxyf0V") ||
		got.Len("company_id_list") != upstream.Len("company_id_list") {
		t.Fatalf("synced %d ids (want %d, including Krhxyf0V)", got.Len("company_id_list"), upstream.Len("company_id_list"))
	}
	// A ranged request past the start returns the tail; no key is a 401; unknown lists a 404.
	r := env.do(t, "GET", "/v1/id_list_file/company_id_list", nil, "statsig-api-key", testKey, "Range", "bytes=10-")
	var full strings.Builder
	_, _ = upstream.WriteList("company_id_list", &full)
	if r.status != 206 || string(r.body) != full.String()[10:] {
		t.Fatalf("ranged download: %d %q", r.status, r.body)
	}
	if r := env.do(t, "GET", "/v1/id_list_file/company_id_list", nil); r.status != 401 {
		t.Fatalf("no key: %d", r.status)
	}
	if r := env.do(t, "GET", "/v1/id_list_file/nope", nil, "statsig-api-key", testKey); r.status != 404 {
		t.Fatalf("unknown list: %d", r.status)
	}
}
