package statsig_test

import (
	"context"
	"errors"
	"testing"

	"github.com/statsig-operator/statsig-operator/statsig"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

func TestSyncIDListsIncremental(t *testing.T) {
	tests := []struct {
		name    string
		cdn     bool // list files on the CDN host: range as a query parameter
		custom  bool // custom manifest URL: POST
		method  string
		rangeQ  string
		rangeH  string
		sizeHdr string
	}{
		{name: "custom URLs use Range headers", custom: true, method: "POST", rangeH: "bytes=20-", sizeHdr: "30"},
		{name: "CDN uses ?range=", cdn: true, method: "GET", rangeQ: "20-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStandin(t)
			if tc.cdn {
				s.SetIDListBaseURL("https://api.statsigcdn.com/id_lists")
			}
			c := newClient(t, s, func(o *statsig.Options) {
				if !tc.custom {
					o.IDListsURL = ""
				}
			})
			ctx := context.Background()
			s.SetIDList("list_1", fixture(t, "go-sdk/list_1.txt"), "123", 0)
			st, err := c.SyncIDLists(ctx, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Contains("list_1", "ungWv48B") || !st.Contains("list_1", "Ngi8oeRO") {
				t.Fatal("first sync incomplete")
			}
			s.SetIDList("list_1", fixture(t, "go-sdk/list_1_updated.txt"), "123", 0)
			s.ResetRequests()
			st2, err := c.SyncIDLists(ctx, key, st)
			if err != nil {
				t.Fatal(err)
			}
			if st2.Len("list_1") != 1 || !st2.Contains("list_1", "Ngi8oeRO") || st2.Contains("list_1", "ungWv48B") {
				t.Fatalf("after the incremental sync: %d ids", st2.Len("list_1"))
			}
			if !st.Contains("list_1", "ungWv48B") {
				t.Fatal("the previous state changed")
			}
			man := s.RequestsTo(standin.RouteIDListManifest)
			if len(man) != 1 || man[0].Method != tc.method || man[0].Header.Get("STATSIG-API-KEY") != key {
				t.Fatalf("manifest requests %+v", man)
			}
			files := s.RequestsTo(standin.RouteIDListFile)
			if len(files) != 1 {
				t.Fatalf("file requests %+v", files)
			}
			f := files[0]
			if f.Query.Get("range") != tc.rangeQ || f.Header.Get("Range") != tc.rangeH ||
				f.Header.Get("statsig-id-list-file-size") != tc.sizeHdr {
				t.Fatalf("file request query=%q headers=%v", f.RawQuery, f.Header)
			}
			// Nothing new: no file request, same state.
			st3, err := c.SyncIDLists(ctx, key, st2)
			if err != nil || st3 != st2 {
				t.Fatalf("idle sync: %v", err)
			}
		})
	}
}

func TestSyncIDListsResetAndAtomicity(t *testing.T) {
	s := newStandin(t)
	c := newClient(t, s, nil)
	ctx := context.Background()
	s.SetIDList("company_id_list", fixture(t, "server-core/company_id_list"), "4t0BEqak3w1UcidsPcpQXN", 1721417546000)
	s.SetIDList("list_1", fixture(t, "go-sdk/list_1.txt"), "123", 0)
	st, err := c.SyncIDLists(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Contains("company_id_list", "Krhxyf0V") || st.Len("company_id_list") != 27 {
		t.Fatalf("company_id_list: %d ids", st.Len("company_id_list"))
	}

	// A new file for list_1 and growth of company_id_list; one download fails → nothing applies.
	s.SetIDList("list_1", []byte("+newid001\n"), "456", 1)
	s.AppendIDList("company_id_list", []byte("-Krhxyf0V\n"))
	_ = s.InjectFault(standin.RouteIDListFile, standin.Fault{Kind: standin.Status500, Times: 1})
	got, err := c.SyncIDLists(ctx, key, st)
	if err == nil || got != st {
		t.Fatalf("want the old state and an error, got %v", err)
	}
	noKey(t, err)

	got, err = c.SyncIDLists(ctx, key, st)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len("list_1") != 1 || !got.Contains("list_1", "newid001") || got.Contains("list_1", "Ngi8oeRO") {
		t.Fatal("list_1 was not reset for the new fileID")
	}
	if got.Contains("company_id_list", "Krhxyf0V") || got.Len("company_id_list") != 26 {
		t.Fatal("company_id_list increment not applied")
	}

	s.RemoveIDList("list_1")
	got2, err := c.SyncIDLists(ctx, key, got)
	if err != nil || got2.Has("list_1") || !got2.Has("company_id_list") {
		t.Fatalf("removed list still present: %v", err)
	}
}

func TestManifestFallbackAndErrors(t *testing.T) {
	s := newStandin(t)
	s.SetIDList("list_1", fixture(t, "go-sdk/list_1.txt"), "123", 0)
	ctx := context.Background()
	c := newClient(t, s, func(o *statsig.Options) { o.FallbackToStatsigAPI = true })
	_ = s.InjectFault(standin.RouteIDListManifest, standin.Fault{Kind: standin.Status500, Times: 1})
	m, err := c.GetIDListManifest(ctx, key)
	if err != nil || m["list_1"].Size != 20 {
		t.Fatalf("fallback manifest: %v %+v", err, m)
	}
	reqs := s.RequestsTo(standin.RouteIDListManifest)
	if len(reqs) != 2 || reqs[0].Method != "POST" || reqs[1].Method != "GET" ||
		reqs[1].Path != "/v1/get_id_lists/"+key+".json" {
		t.Fatalf("requests %+v", reqs)
	}

	tests := []struct {
		fault standin.Fault
		want  error
	}{
		{standin.Fault{Kind: standin.CorruptJSON, Times: 1}, statsig.ErrInvalidResponse},
		{standin.Fault{Kind: standin.WrongContentType, Times: 1}, statsig.ErrContentType},
		{standin.Fault{Kind: standin.Status403, Times: 1}, nil},
	}
	plain := newClient(t, s, nil)
	for _, tc := range tests {
		_ = s.InjectFault(standin.RouteIDListManifest, tc.fault)
		_, err := plain.GetIDListManifest(ctx, key)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || (tc.want == nil && !statsig.IsUnauthorized(err)) {
			t.Errorf("%s: got %v", tc.fault.Kind, err)
		}
		noKey(t, err)
	}
}
