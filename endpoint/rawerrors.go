package endpoint

import (
	"bytes"
	"encoding/json"
	"net"
	"strconv"
	"strings"
)

// jsonErrorListener gives a JSON body to the answers net/http writes on the connection
// itself, before any handler runs: 431 for headers over MaxHeaderBytes, 400 for a malformed
// request line or header, 501 for an unknown transfer coding. Every other answer of the
// endpoint is JSON already, and clients parse error bodies the same way whoever wrote them.
type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return jsonErrorConn{c}, nil
}

type jsonErrorConn struct{ net.Conn }

// Write rewrites net/http's own error answer, which it writes in one call, and passes
// everything else through untouched.
func (c jsonErrorConn) Write(b []byte) (int, error) {
	if r, ok := rewriteServerError(b); ok {
		if _, err := c.Conn.Write(r); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// serverErrorHeaders is what net/http's own error answers carry after the status line;
// responses written through a ResponseWriter always have a Date header, so never match.
const serverErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// rewriteServerError turns "HTTP/1.1 431 Request Header Fields Too Large" + serverErrorHeaders
// + text into the same status with a JSON errorBody.
func rewriteServerError(b []byte) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte("HTTP/1.1 4")) && !bytes.HasPrefix(b, []byte("HTTP/1.1 5")) {
		return nil, false
	}
	i := bytes.Index(b, []byte(serverErrorHeaders))
	if i < 0 || bytes.IndexByte(b[:i], '\n') >= 0 {
		return nil, false
	}
	status, text := string(b[len("HTTP/1.1 "):i]), string(b[i+len(serverErrorHeaders):])
	if sp := strings.IndexByte(status, ' '); sp != 3 {
		return nil, false
	} else if _, err := strconv.Atoi(status[:sp]); err != nil {
		return nil, false
	}
	// net/http's text repeats the status ("431 Request Header Fields Too Large: …")
	text = strings.TrimPrefix(strings.TrimPrefix(text, status), ": ")
	if text == "" {
		text = status[strings.IndexByte(status, ' ')+1:]
	}
	body, _ := json.Marshal(errorBody{Message: strings.ToLower(text[:1]) + text[1:] + serverErrorHint(status)})
	var out bytes.Buffer
	out.WriteString("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nConnection: close\r\n")
	out.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	out.Write(body)
	return out.Bytes(), true
}

func serverErrorHint(status string) string {
	if strings.HasPrefix(status, "431") {
		return ": request headers are limited to " + strconv.Itoa(maxHeaderBytes>>10) + " KiB"
	}
	return ""
}
