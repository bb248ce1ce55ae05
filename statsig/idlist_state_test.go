package statsig

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// state builds a state from name → (info, ids).
func state(lists map[string]idList) *IDListState {
	s := NewIDListState()
	for name, l := range lists {
		l.info.Name = name
		if l.ids == nil {
			l.ids = map[string]struct{}{}
		}
		s.lists[name] = &idList{info: l.info, ids: l.ids}
	}
	return s
}

func ids(v ...string) map[string]struct{} {
	m := map[string]struct{}{}
	for _, id := range v {
		m[id] = struct{}{}
	}
	return m
}

func TestIDListPlan(t *testing.T) {
	cur := state(map[string]idList{
		"a": {info: IDListInfo{FileID: "f1", CreationTime: 100, Size: 20}},
	})
	tests := []struct {
		name  string
		entry IDListInfo
		want  []IDListDownload
	}{
		{"unchanged", IDListInfo{FileID: "f1", CreationTime: 100, Size: 20}, nil},
		{"grown", IDListInfo{FileID: "f1", CreationTime: 100, Size: 30}, []IDListDownload{{Start: 20}}},
		{"shrunk, same file", IDListInfo{FileID: "f1", CreationTime: 100, Size: 10}, nil},
		{"new fileID, same time", IDListInfo{FileID: "f2", CreationTime: 100, Size: 5},
			[]IDListDownload{{Start: 0, Reset: true}}},
		{"new fileID, newer", IDListInfo{FileID: "f2", CreationTime: 200, Size: 50},
			[]IDListDownload{{Start: 0, Reset: true}}},
		{"new fileID, older (stale)", IDListInfo{FileID: "f0", CreationTime: 50, Size: 50}, nil},
		{"same fileID, newer time", IDListInfo{FileID: "f1", CreationTime: 200, Size: 20},
			[]IDListDownload{{Start: 0, Reset: true}}},
		{"replaced by an empty file", IDListInfo{FileID: "f2", CreationTime: 200, Size: 0}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]IDListInfo{"a": tc.entry}
			got := cur.Plan(m)
			for i := range tc.want {
				tc.want[i].Name = "a"
				tc.want[i].Info = tc.entry
				tc.want[i].Info.Name = "a"
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Plan = %+v, want %+v", got, tc.want)
			}
		})
	}
	if got := cur.Plan(map[string]IDListInfo{"b": {Size: 9}}); len(got) != 1 || got[0].Name != "b" || !got[0].Reset ||
		got[0].Start != 0 {
		t.Fatalf("unknown list: %+v", got)
	}
}

// files serves list bodies from memory, honouring the requested start.
func files(bodies map[string]string) IDListFetcher {
	return func(d IDListDownload) (*IDListBody, error) {
		b, ok := bodies[d.Name]
		if !ok {
			return nil, errors.New("download failed")
		}
		return &IDListBody{ReadCloser: io.NopCloser(strings.NewReader(b[d.Start:])), Start: d.Start}, nil
	}
}

func TestIDListUpdate(t *testing.T) {
	list1 := "+ungWv48B\n+Ngi8oeRO\n"
	list1Updated := list1 + "-ungWv48B\n"
	tests := []struct {
		name     string
		cur      *IDListState
		manifest map[string]IDListInfo
		bodies   map[string]string
		wantErr  bool
		want     map[string][]string
		sizes    map[string]int64
	}{
		{
			name:     "first download",
			cur:      NewIDListState(),
			manifest: map[string]IDListInfo{"list_1": {FileID: "123", Size: 20, URL: "http://x/1"}},
			bodies:   map[string]string{"list_1": list1},
			want:     map[string][]string{"list_1": {"Ngi8oeRO", "ungWv48B"}},
			sizes:    map[string]int64{"list_1": 20},
		},
		{
			name: "incremental from byte 20",
			cur: state(
				map[string]idList{"list_1": {info: IDListInfo{FileID: "123", Size: 20}, ids: ids("ungWv48B", "Ngi8oeRO")}},
			),
			manifest: map[string]IDListInfo{"list_1": {FileID: "123", Size: 30}},
			bodies:   map[string]string{"list_1": list1Updated},
			want:     map[string][]string{"list_1": {"Ngi8oeRO"}},
			sizes:    map[string]int64{"list_1": 30},
		},
		{
			name: "reset on new fileID",
			cur: state(
				map[string]idList{"list_1": {info: IDListInfo{FileID: "123", Size: 20}, ids: ids("ungWv48B", "Ngi8oeRO")}},
			),
			manifest: map[string]IDListInfo{"list_1": {FileID: "456", Size: 10, CreationTime: 1}},
			bodies:   map[string]string{"list_1": "+zzzzzzzz\n"},
			want:     map[string][]string{"list_1": {"zzzzzzzz"}},
			sizes:    map[string]int64{"list_1": 10},
		},
		{
			name:     "CRLF, short and odd lines",
			cur:      NewIDListState(),
			manifest: map[string]IDListInfo{"l": {FileID: "1", Size: 25}},
			bodies:   map[string]string{"l": "+aaaa\r\n+\r\n \n*bbb\n-\n+cc/+\n"},
			want:     map[string][]string{"l": {"aaaa", "cc/+"}},
			sizes:    map[string]int64{"l": 25},
		},
		{
			name:     "absent lists are deleted",
			cur:      state(map[string]idList{"gone": {info: IDListInfo{FileID: "1", Size: 3}, ids: ids("x")}}),
			manifest: map[string]IDListInfo{},
			want:     map[string][]string{},
		},
		{
			name: "one failed download fails the round",
			cur:  state(map[string]idList{"keep": {info: IDListInfo{FileID: "1", Size: 3}, ids: ids("x")}}),
			manifest: map[string]IDListInfo{
				"a": {FileID: "1", Size: 6}, "b": {FileID: "1", Size: 6}, "keep": {FileID: "1", Size: 6},
			},
			bodies:  map[string]string{"a": "+aaaa\n", "keep": "+x\n+yy\n"},
			wantErr: true,
		},
		{
			name:     "empty body is an error",
			cur:      NewIDListState(),
			manifest: map[string]IDListInfo{"a": {FileID: "1", Size: 6}},
			bodies:   map[string]string{"a": ""},
			wantErr:  true,
		},
		{
			name:     "garbage body is an error",
			cur:      NewIDListState(),
			manifest: map[string]IDListInfo{"a": {FileID: "1", Size: 6}},
			bodies:   map[string]string{"a": "<html>"},
			wantErr:  true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := tc.cur.MarshalBinary()
			next, err := tc.cur.Update(tc.manifest, files(tc.bodies))
			after, _ := tc.cur.MarshalBinary()
			if !bytes.Equal(before, after) {
				t.Fatal("Update modified the receiver")
			}
			if tc.wantErr {
				if err == nil || next != tc.cur {
					t.Fatalf("want an error and the old state, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := next.Names(); len(got) != len(tc.want) {
				t.Fatalf("lists %v", got)
			}
			for name, want := range tc.want {
				if !next.Has(name) || next.Len(name) != len(want) {
					t.Fatalf("list %s: has=%v len=%d, want %v", name, next.Has(name), next.Len(name), want)
				}
				for _, id := range want {
					if !next.Contains(name, id) {
						t.Fatalf("list %s lacks %q", name, id)
					}
				}
				if info, _ := next.Info(name); tc.sizes[name] != 0 && info.Size != tc.sizes[name] {
					t.Fatalf("list %s size %d, want %d", name, info.Size, tc.sizes[name])
				}
			}
		})
	}
}

func TestIDListUpdateUnchangedReturnsReceiver(t *testing.T) {
	cur := state(map[string]idList{"a": {info: IDListInfo{FileID: "1", Size: 3}, ids: ids("x")}})
	next, err := cur.Update(map[string]IDListInfo{"a": {FileID: "1", Size: 3}}, files(nil))
	if err != nil || next != cur {
		t.Fatalf("got %p %v, want the receiver", next, err)
	}
}

func TestIDListRangeIgnored(t *testing.T) {
	// The server sent the whole file although bytes 20- were asked for: start over.
	cur := state(map[string]idList{"l": {info: IDListInfo{FileID: "1", Size: 20}, ids: ids("old")}})
	full := "+ungWv48B\n+Ngi8oeRO\n-ungWv48B\n"
	next, err := cur.Update(
		map[string]IDListInfo{"l": {FileID: "1", Size: 30}},
		func(d IDListDownload) (*IDListBody, error) {
			return &IDListBody{ReadCloser: io.NopCloser(strings.NewReader(full)), Start: 0}, nil
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	if next.Contains("l", "old") || !next.Contains("l", "Ngi8oeRO") || next.Len("l") != 1 {
		t.Fatalf("ids after full resend: %d", next.Len("l"))
	}
	if info, _ := next.Info("l"); info.Size != 30 {
		t.Fatalf("size %d", info.Size)
	}
}

func TestIDListCodec(t *testing.T) {
	s := state(map[string]idList{
		"b": {info: IDListInfo{FileID: "f", CreationTime: 9, Size: 30, URL: "http://x/b"}, ids: ids("Ngi8oeRO", "a+b/cdef")},
		"a": {info: IDListInfo{FileID: "g", Size: 0}},
	})
	b1, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := s.MarshalBinary()
	if !bytes.Equal(b1, b2) {
		t.Fatal("encoding is not deterministic")
	}
	var back IDListState
	if err := back.UnmarshalBinary(b1); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.lists, s.lists) {
		t.Fatalf("round trip differs:\n%s", b1)
	}
	bad := []string{
		"",
		"something else\n",
		idListMagic + "\nnot json\n",
		idListMagic + "\n{\"name\":\"a\",\"count\":2}\nx\n",
		idListMagic + "\n{\"name\":\"\",\"count\":0}\n",
		idListMagic + "\n{\"name\":\"a\",\"count\":-1}\n",
		idListMagic + "\n{\"name\":\"a\",\"count\":0}\n{\"name\":\"a\",\"count\":0}\n",
		idListMagic + "\n{\"name\":\"a\",\"count\":1}\n\n",
	}
	for _, in := range bad {
		if _, err := ReadIDListState(strings.NewReader(in)); err == nil {
			t.Errorf("decoded %q", in)
		}
	}
}

func TestManifestKeyAlias(t *testing.T) {
	var m map[string]IDListInfo
	if err := jsonUnmarshal(`{"l":{"key":"l","size":3,"url":"u","creationTime":1,"fileID":"f"}}`, &m); err != nil {
		t.Fatal(err)
	}
	if m["l"] != (IDListInfo{Name: "l", Size: 3, URL: "u", CreationTime: 1, FileID: "f"}) {
		t.Fatalf("%+v", m["l"])
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
