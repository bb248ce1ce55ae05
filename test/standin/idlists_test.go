package standin_test

import (
	"encoding/json"
	"testing"

	"github.com/statsig-operator/statsig-operator/test/standin"
)

func TestIDLists(t *testing.T) {
	s := start(t)
	s.SetIDList("list_1", fixture(t, "go-sdk/list_1_updated.txt"), "123", 7)
	full := string(fixture(t, "go-sdk/list_1_updated.txt"))
	file := s.URL() + "/id_lists/list_1"
	tests := []struct {
		name, url  string
		hdr        map[string]string
		code       int
		body       string
		contentRng string
	}{
		{name: "whole file", url: file, code: 200, body: full},
		{
			name:       "Range header",
			url:        file,
			hdr:        map[string]string{"Range": "bytes=20-"},
			code:       206,
			body:       full[20:],
			contentRng: "bytes 20-29/30",
		},
		{
			name:       "Range with end",
			url:        file,
			hdr:        map[string]string{"Range": "bytes=0-9"},
			code:       206,
			body:       full[:10],
			contentRng: "bytes 0-9/30",
		},
		{name: "range query", url: file + "?range=20-", code: 200, body: full[20:]},
		{name: "range past end", url: file, hdr: map[string]string{"Range": "bytes=30-"}, code: 416},
		{name: "bad range", url: file + "?range=x-", code: 416},
		{name: "unknown list", url: s.URL() + "/id_lists/nope", code: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, h, b := do(t, "GET", tc.url, tc.hdr, nil)
			if code != tc.code {
				t.Fatalf("status %d, want %d", code, tc.code)
			}
			if tc.body != "" && string(b) != tc.body {
				t.Fatalf("body %q, want %q", b, tc.body)
			}
			if got := h.Get("Content-Range"); tc.contentRng != "" && got != tc.contentRng {
				t.Fatalf("Content-Range %q, want %q", got, tc.contentRng)
			}
		})
	}
}

func TestIDListManifest(t *testing.T) {
	s := start(t)
	s.SetIDList("list_1", fixture(t, "go-sdk/list_1.txt"), "123", 7)
	type entry struct {
		Name         string `json:"name"`
		Size         int    `json:"size"`
		URL          string `json:"url"`
		CreationTime int64  `json:"creationTime"`
		FileID       string `json:"fileID"`
	}
	get := func(method, url string, hdr map[string]string) map[string]entry {
		t.Helper()
		code, _, b := do(t, method, url, hdr, nil)
		if code != 200 {
			t.Fatalf("%s %s: %d %s", method, url, code, b)
		}
		var m map[string]entry
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	want := entry{Name: "list_1", Size: 20, URL: s.URL() + "/id_lists/list_1", CreationTime: 7, FileID: "123"}
	if m := get("GET", s.URL()+"/v1/get_id_lists/"+key+".json", nil); m["list_1"] != want {
		t.Fatalf("CDN manifest %+v, want %+v", m, want)
	}
	if m := get("POST", s.IDListsURL(), map[string]string{"STATSIG-API-KEY": key}); m["list_1"] != want {
		t.Fatalf("POST manifest %+v", m)
	}
	if code, _, _ := do(t, "POST", s.IDListsURL(), nil, nil); code != 401 {
		t.Fatalf("manifest without key: %d", code)
	}
	if !s.AppendIDList("list_1", []byte("-ungWv48B\n")) || s.AppendIDList("nope", nil) {
		t.Fatal("AppendIDList result")
	}
	if m := get("POST", s.IDListsURL(), map[string]string{"STATSIG-API-KEY": key}); m["list_1"].Size != 30 {
		t.Fatalf("size after append %+v", m)
	}
	s.SetIDListBaseURL("https://api.statsigcdn.com/id_lists")
	m := get("POST", s.IDListsURL(), map[string]string{"STATSIG-API-KEY": key})
	if m["list_1"].URL != "https://api.statsigcdn.com/id_lists/list_1" {
		t.Fatalf("base URL %+v", m)
	}
	s.RemoveIDList("list_1")
	if m := get("POST", s.IDListsURL(), map[string]string{"STATSIG-API-KEY": key}); len(m) != 0 {
		t.Fatalf("after remove %+v", m)
	}
	// Control API: create and append.
	do(t, "POST", s.URL()+"/_standin/idlist?name=ctl&file_id=f1&creation_time=5", nil, []byte("+a1\n"))
	do(t, "POST", s.URL()+"/_standin/idlist?name=ctl&append=true", nil, []byte("+b2\n"))
	if code, _, b := do(t, "GET", s.URL()+"/id_lists/ctl", nil, nil); code != 200 || string(b) != "+a1\n+b2\n" {
		t.Fatalf("control-made list: %d %q", code, b)
	}
	if n := len(s.RequestsTo(standin.RouteIDListFile)); n != 1 {
		t.Fatalf("%d list file requests logged, want 1", n)
	}
}
