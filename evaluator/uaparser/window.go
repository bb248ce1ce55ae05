package uaparser

// window is a sliding view of the next four words of a user agent. Words are the pieces
// between ' ' and ';' (empty pieces included, as Server Core's split yields them); each is
// stored already trimmed, with "" standing for an absent or empty word. It is a ring buffer
// so sliding copies nothing.
type window struct {
	rest  string
	more  bool // rest still holds at least one unsplit piece
	n     int  // words currently in the window (including empty ones)
	head  int
	words [4]string
}

func newWindow(s string) window {
	w := window{rest: s, more: true}
	for w.n < len(w.words) && w.more {
		w.words[w.n] = trimWord(w.nextPiece())
		w.n++
	}
	return w
}

// at returns word i of the window ("" past its end).
func (w *window) at(i int) string {
	if i >= w.n {
		return ""
	}
	return w.words[(w.head+i)&3]
}

func (w *window) nextPiece() string {
	rest := w.rest
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c == ' ' || c == ';' {
			w.rest = rest[i+1:]
			return rest[:i]
		}
	}
	w.rest, w.more = "", false
	return rest
}

// slide drops the first k words, refilling from the input while it lasts.
func (w *window) slide(k int) {
	for ; k > 0 && w.n > 0; k-- {
		if w.more {
			w.words[w.head] = trimWord(w.nextPiece())
		} else {
			w.words[w.head] = ""
			w.n--
		}
		w.head = (w.head + 1) & 3
	}
}

// trimWord strips the punctuation Server Core ignores around words.
func trimWord(s string) string {
	i, j := 0, len(s)
	for i < j && isTrimmed(s[i]) {
		i++
	}
	for j > i && isTrimmed(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isTrimmed(c byte) bool {
	switch c {
	case '(', ')', ';', ',', '+', '_', '"':
		return true
	}
	return false
}

func startsWithDigit(s string) bool {
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// consumeNumeric returns word and advances the window when word looks like a version.
func (w *window) consumeNumeric(word string) string {
	if startsWithDigit(word) {
		w.slide(1)
		return word
	}
	return ""
}
