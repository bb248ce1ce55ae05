package statsig

import (
	"errors"
	"io"
	"sync"
)

// streamChunk is the size of the pieces handed to a streaming consumer; streamDepth pieces
// may wait, so the decoder runs ahead of the parser instead of in lock step with it.
const (
	streamChunk = 64 << 10
	streamDepth = 8
)

// errConsumerGone ends the copy to a consumer that stopped reading (the spool goes on).
var errConsumerGone = errors.New("statsig: consumer stopped reading")

// fillStreaming spools r as fill does while consume reads the same bytes on its own
// goroutine. It returns the spool's error and consume's.
func fillStreaming(sp *spool, r io.Reader, consume func(io.Reader) error) (fillErr, consumeErr error) {
	p := newChunkPipe()
	done := make(chan error, 1)
	go func() {
		err := consume(p)
		p.closeRead()
		done <- err
	}()
	t := &teeToPipe{sp: sp, p: p}
	buf := make([]byte, 32<<10)
	_, fillErr = io.CopyBuffer(t, r, buf)
	if fillErr != nil {
		p.closeWrite(fillErr)
	} else {
		p.closeWrite(io.EOF)
	}
	return fillErr, <-done
}

// teeToPipe writes to the spool, and to the consumer while it reads.
type teeToPipe struct {
	sp   *spool
	p    *chunkPipe
	gone bool
}

func (t *teeToPipe) Write(b []byte) (int, error) {
	n, err := t.sp.Write(b)
	if err != nil {
		return n, err
	}
	if !t.gone && t.p.write(b) != nil {
		t.gone = true
	}
	return n, nil
}

// chunkPipe is an io.Reader fed by copies of the writer's bytes in pooled chunks.
type chunkPipe struct {
	ch   chan []byte
	free chan []byte
	gone chan struct{} // closed when the reader stops
	once sync.Once
	err  error // set before ch is closed: io.EOF or the download's error
	cur  []byte
	curB []byte
}

func newChunkPipe() *chunkPipe {
	return &chunkPipe{
		ch:   make(chan []byte, streamDepth),
		free: make(chan []byte, streamDepth+2),
		gone: make(chan struct{}),
	}
}

func (p *chunkPipe) write(b []byte) error {
	for len(b) > 0 {
		var c []byte
		select {
		case c = <-p.free:
		default:
			c = make([]byte, streamChunk)
		}
		n := copy(c[:cap(c)], b)
		b = b[n:]
		select {
		case p.ch <- c[:n]:
		case <-p.gone:
			return errConsumerGone
		}
	}
	return nil
}

func (p *chunkPipe) closeWrite(err error) {
	p.err = err
	close(p.ch)
}

func (p *chunkPipe) closeRead() { p.once.Do(func() { close(p.gone) }) }

func (p *chunkPipe) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.curB != nil {
			select {
			case p.free <- p.curB[:cap(p.curB)]:
			default:
			}
			p.curB = nil
		}
		c, ok := <-p.ch
		if !ok {
			return 0, p.err
		}
		p.cur, p.curB = c, c
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}
