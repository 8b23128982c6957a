package conf

import (
	"fmt"
	"strings"
)

// MaxLineBytes bounds a logical line (after joining continuations).
const MaxLineBytes = 1 << 20

// logicalLine is one line after comment removal, continuation joining and
// escape removal.
type logicalLine struct {
	location
	text string
}

// splitLines turns file contents into logical lines, following Slurm's
// _get_next_line: on each physical line a '#' preceded by an even number of
// backslashes starts a comment; an odd number of backslashes at the end of
// what remains (trailing whitespace after them allowed) joins the next line
// at the position of the last backslash; finally every backslash escapes
// the character after it ("\#" is '#', "\\" is '\'). Blank lines are
// dropped.
func splitLines(file string, data []byte) ([]logicalLine, error) {
	var lines []logicalLine
	var pending strings.Builder
	start := 0 // line number where the pending logical line began
	physical := strings.Split(string(data), "\n")
	for i, raw := range physical {
		if start == 0 {
			start = i + 1
		}
		text := stripComment(raw)
		joined, continues := stripContinuation(text)
		pending.WriteString(joined)
		if pending.Len() > MaxLineBytes {
			return nil, &ParseError{File: file, Line: start,
				Msg: fmt.Sprintf("logical line longer than %d bytes", MaxLineBytes)}
		}
		if continues && i+1 < len(physical) {
			continue
		}
		if line := stripEscapes(pending.String()); strings.TrimSpace(line) != "" {
			lines = append(lines, logicalLine{location{file, start}, line})
		}
		pending.Reset()
		start = 0
	}
	return lines, nil
}

func stripComment(line string) string {
	backslashes := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '#':
			if backslashes%2 == 0 {
				return line[:i]
			}
			backslashes = 0
		case '\\':
			backslashes++
		default:
			backslashes = 0
		}
	}
	return line
}

// stripContinuation reports whether line ends in an odd run of backslashes
// (possibly followed by whitespace) and, if so, returns the line cut at the
// last backslash, keeping the even part of the run for escape removal.
func stripContinuation(line string) (string, bool) {
	end := len(line)
	for end > 0 && isSpace(line[end-1]) {
		end--
	}
	run := 0
	for end-run > 0 && line[end-run-1] == '\\' {
		run++
	}
	if run%2 == 0 {
		return line, false
	}
	return line[:end-1], true
}

func stripEscapes(line string) string {
	if !strings.Contains(line, "\\") {
		return line
	}
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' {
			i++
			if i == len(line) {
				break
			}
		}
		b.WriteByte(line[i])
	}
	return b.String()
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

// pairError is a syntax error in a key=value list; key is the key it
// concerns, when there is one.
type pairError struct {
	key, msg string
}

func (e *pairError) Error() string { return e.msg }

// pair is one key=value on a logical line.
type pair struct {
	key    string
	value  string
	op     byte // '+', '-', '*' or '/' for "key+=value", else 0
	quoted bool // the value was written in double quotes
}

// splitPairs splits a logical line into key=value pairs. It follows
// Slurm's key/value pattern: a key of letters, digits, '_' and '.', optional
// whitespace, an optional operator, '=', optional whitespace, then either a
// double-quoted value (quotes removed, followed by whitespace or the end)
// or a run of non-whitespace. Two deliberate deviations make blanks
// explicit: "Key=" at the end of a line, and "Key= " followed by another
// "Other=..." pair, give Key an empty value (Slurm would fail, or take the
// next pair as the value).
func splitPairs(line string) ([]pair, error) {
	var pairs []pair
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return pairs, nil
		}
		p, next, err := nextPair(line, i)
		if err != nil {
			return pairs, err
		}
		pairs = append(pairs, p)
		i = next
	}
}

func nextPair(line string, i int) (pair, int, error) {
	keyStart := i
	for i < len(line) && isKeyByte(line[i]) {
		i++
	}
	if i == keyStart {
		return pair{}, 0, &pairError{msg: fmt.Sprintf("expected key=value, found %q", clip(line[keyStart:]))}
	}
	p := pair{key: line[keyStart:i]}
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	if i < len(line) && strings.IndexByte("+-*/", line[i]) >= 0 && i+1 < len(line) && line[i+1] == '=' {
		p.op = line[i]
		i++
	}
	if i == len(line) || line[i] != '=' {
		return pair{}, 0, &pairError{key: p.key, msg: fmt.Sprintf("missing '=' (expected %s=value)", p.key)}
	}
	i++
	spaced := i < len(line) && isSpace(line[i])
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	if i == len(line) || spaced && looksLikePair(line[i:]) {
		return p, i, nil
	}
	if line[i] == '"' {
		if close := strings.IndexByte(line[i+1:], '"'); close >= 0 {
			end := i + 1 + close + 1
			if end == len(line) || isSpace(line[end]) {
				p.value, p.quoted = line[i+1:end-1], true
				return p, end, nil
			}
		}
	}
	start := i
	for i < len(line) && !isSpace(line[i]) {
		i++
	}
	p.value = line[start:i]
	return p, i, nil
}

// looksLikePair reports whether s starts with "key=" or "key =".
func looksLikePair(s string) bool {
	i := 0
	for i < len(s) && isKeyByte(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i < len(s) && s[i] == '='
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
