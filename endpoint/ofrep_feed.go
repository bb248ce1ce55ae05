package endpoint

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// feedRecent is how many past revisions a feed remembers, so a re-fetch naming one of them
// (a client behind this replica) never waits for it.
const feedRecent = 8

// change is one state of a project's results on this replica. It is immutable; done is
// closed when a newer change supersedes it, which wakes every stream at once.
type change struct {
	seq      uint64
	revision string
	at       time.Time // when the registry reported it (push latency starts here); zero: unknown
	recent   []string  // this and the previous revisions, newest last
	done     chan struct{}
}

// feed broadcasts a project's changes: publishing is O(1) however many streams wait, and a
// slow stream never holds more than the latest change (changes coalesce).
type feed struct {
	mu  sync.Mutex // serialises publishers
	cur atomic.Pointer[change]
}

func newFeed(revision string, at time.Time) *feed {
	f := &feed{}
	f.cur.Store(&change{revision: revision, at: at, recent: []string{revision}, done: make(chan struct{})})
	return f
}

func (f *feed) current() *change { return f.cur.Load() }

// publish supersedes the current change: a new revision, or the same revision whose results
// changed (overrides).
func (f *feed) publish(revision string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.cur.Load()
	recent := old.recent
	if revision != old.revision {
		recent = append(append(make([]string, 0, feedRecent), tail(recent, feedRecent-1)...), revision)
	}
	f.cur.Store(&change{seq: old.seq + 1, revision: revision, at: at, recent: recent, done: make(chan struct{})})
	close(old.done)
}

func tail(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// knows reports whether revision is, or was recently, served by this replica.
func (c *change) knows(revision string) bool {
	return slices.Contains(c.recent, revision)
}

// feeds holds one feed per project name, created on first use.
type feeds struct {
	mu    sync.Mutex
	m     map[string]*feed
	now   func() time.Time
	epoch string // distinguishes this server's event ids from another replica's
}

func newFeeds(now func() time.Time) *feeds {
	return &feeds{m: map[string]*feed{}, now: now, epoch: strconv.FormatInt(now().UnixNano(), 36)}
}

// get returns the project's feed, creating it at revision when new (when this revision was
// published is then unknown: the project was set before the server subscribed).
func (fs *feeds) get(name, revision string) *feed {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.m[name]
	if f == nil {
		f = newFeed(revision, time.Time{})
		fs.m[name] = f
	}
	return f
}

// publish is the registry subscriber: a new revision or an overrides change of a project.
func (fs *feeds) publish(name, revision string) {
	at := fs.now()
	fs.mu.Lock()
	f := fs.m[name]
	if f == nil {
		f = newFeed(revision, at)
		fs.m[name] = f
		fs.mu.Unlock()
		return
	}
	fs.mu.Unlock()
	f.publish(revision, at)
}

// id is the change's event id and configuration etag: revision.epoch.seq. Only this server
// can tell whether an id is current; any other id means the client may have missed changes.
func (fs *feeds) id(c *change) string {
	return c.revision + "." + fs.epoch + "." + strconv.FormatUint(c.seq, 10)
}

// parseID splits an id (or a flagConfigEtag, quoted or weak) into its revision and whether
// this server issued it for state c; revision is "" when id is not of the id form.
func (fs *feeds) parseID(id string, c *change) (revision string, current bool) {
	id = strings.TrimPrefix(strings.TrimSpace(id), "W/")
	id = strings.Trim(id, `"`)
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return "", false
	}
	j := strings.LastIndexByte(id[:i], '.')
	if j <= 0 {
		return "", false
	}
	revision = id[:j]
	return revision, id[j+1:i] == fs.epoch && id[i+1:] == strconv.FormatUint(c.seq, 10) && revision == c.revision
}
