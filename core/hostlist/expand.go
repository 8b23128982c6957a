package hostlist

import (
	"fmt"
	"strconv"
	"strings"
)

const (
	// MaxHosts bounds the number of names one expression may expand to.
	MaxHosts = 1 << 20
	// MaxExprLen bounds the length in bytes of an expression.
	MaxExprLen = 1 << 20
	// maxDigits bounds the digits of one number so that bounds fit in an
	// int64 without overflow checks in the arithmetic below.
	maxDigits = 18
)

// SyntaxError reports a malformed expression. Pos is the byte offset of the
// offending character or term in Expr.
type SyntaxError struct {
	Expr string
	Pos  int
	Msg  string
}

func (e *SyntaxError) Error() string {
	expr := e.Expr
	if len(expr) > 80 {
		expr = expr[:77] + "..."
	}
	return fmt.Sprintf("hostlist %q: offset %d: %s", expr, e.Pos, e.Msg)
}

// numRange is one "lo-hi" item of a bracket group. Width is the number of
// digits written for lo, which is the zero padding of every generated number.
type numRange struct {
	lo, hi int64
	width  int
}

func (r numRange) count() int64 { return r.hi - r.lo + 1 }

// segment is a piece of a term: literal text when ranges is nil, otherwise a
// bracket group.
type segment struct {
	text   string
	ranges []numRange
}

func (s segment) count() int64 {
	if s.ranges == nil {
		return 1
	}
	var n int64
	for _, r := range s.ranges {
		n += r.count()
	}
	return n
}

// term is one separator-delimited part of an expression.
type term struct {
	segments []segment
	count    int64
}

// Expand returns the host names denoted by expr, in Slurm's order.
func Expand(expr string) ([]string, error) {
	terms, total, err := parse(expr)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, total)
	var b strings.Builder
	for _, t := range terms {
		names = appendTerm(names, t, &b)
	}
	return names, nil
}

// Count returns how many names Expand(expr) would return, without building
// them. It fails exactly when Expand fails.
func Count(expr string) (int, error) {
	_, total, err := parse(expr)
	return int(total), err
}

func parse(expr string) ([]term, int64, error) {
	if len(expr) > MaxExprLen {
		return nil, 0, &SyntaxError{Expr: expr, Pos: MaxExprLen,
			Msg: fmt.Sprintf("expression longer than %d bytes", MaxExprLen)}
	}
	var terms []term
	var total int64
	for start := 0; start < len(expr); {
		if isSeparator(expr[start]) {
			start++
			continue
		}
		end, err := termEnd(expr, start)
		if err != nil {
			return nil, 0, err
		}
		t, err := parseTerm(expr, start, end)
		if err != nil {
			return nil, 0, err
		}
		total += t.count
		if total > MaxHosts {
			return nil, 0, &SyntaxError{Expr: expr, Pos: start,
				Msg: fmt.Sprintf("expands to more than %d hosts", MaxHosts)}
		}
		terms = append(terms, t)
		start = end
	}
	if len(terms) == 0 {
		return nil, 0, &SyntaxError{Expr: expr, Msg: "empty hostlist"}
	}
	return terms, total, nil
}

func isSeparator(c byte) bool { return c == ',' || c == ' ' || c == '\t' }

// termEnd returns the offset just past the term starting at start, checking
// that brackets are balanced and not nested.
func termEnd(expr string, start int) (int, error) {
	open := -1
	for i := start; i < len(expr); i++ {
		switch c := expr[i]; {
		case c == '[':
			if open >= 0 {
				return 0, &SyntaxError{Expr: expr, Pos: i, Msg: "nested '['"}
			}
			open = i
		case c == ']':
			if open < 0 {
				return 0, &SyntaxError{Expr: expr, Pos: i, Msg: "']' without matching '['"}
			}
			open = -1
		case open < 0 && isSeparator(c):
			return i, nil
		}
	}
	if open >= 0 {
		return 0, &SyntaxError{Expr: expr, Pos: open, Msg: "'[' without matching ']'"}
	}
	return len(expr), nil
}

// parseTerm splits expr[start:end], known to have balanced brackets, into
// segments and computes the number of names it denotes.
func parseTerm(expr string, start, end int) (term, error) {
	t := term{count: 1}
	for i := start; i < end; {
		if expr[i] != '[' {
			j := strings.IndexByte(expr[i:end], '[')
			if j < 0 {
				j = end - i
			}
			t.segments = append(t.segments, segment{text: expr[i : i+j]})
			i += j
			continue
		}
		close := i + strings.IndexByte(expr[i:end], ']')
		ranges, err := parseGroup(expr, i+1, close)
		if err != nil {
			return term{}, err
		}
		seg := segment{ranges: ranges}
		// Both factors are at most MaxHosts here, so the product fits.
		t.count *= seg.count()
		if t.count > MaxHosts {
			return term{}, &SyntaxError{Expr: expr, Pos: start,
				Msg: fmt.Sprintf("expands to more than %d hosts", MaxHosts)}
		}
		t.segments = append(t.segments, seg)
		i = close + 1
	}
	return t, nil
}

// parseGroup parses the comma-separated items of the bracket group
// expr[start:end] (the text between '[' and ']').
func parseGroup(expr string, start, end int) ([]numRange, error) {
	if start == end {
		return nil, &SyntaxError{Expr: expr, Pos: start - 1, Msg: "empty brackets"}
	}
	var ranges []numRange
	var total int64
	for itemStart := start; itemStart <= end; {
		itemEnd := end
		if j := strings.IndexByte(expr[itemStart:end], ','); j >= 0 {
			itemEnd = itemStart + j
		}
		r, err := parseItem(expr, itemStart, itemEnd)
		if err != nil {
			return nil, err
		}
		total += r.count()
		if total > MaxHosts {
			return nil, &SyntaxError{Expr: expr, Pos: itemStart,
				Msg: fmt.Sprintf("range expands to more than %d hosts", MaxHosts)}
		}
		ranges = append(ranges, r)
		itemStart = itemEnd + 1
	}
	return ranges, nil
}

// parseItem parses one "n" or "lo-hi" item at expr[start:end].
func parseItem(expr string, start, end int) (numRange, error) {
	item := expr[start:end]
	if item == "" {
		return numRange{}, &SyntaxError{Expr: expr, Pos: start, Msg: "empty range in brackets"}
	}
	loText, hiText, isRange := strings.Cut(item, "-")
	lo, err := parseBound(expr, start, loText)
	if err != nil {
		return numRange{}, err
	}
	r := numRange{lo: lo, hi: lo, width: len(loText)}
	if !isRange {
		return r, nil
	}
	hiPos := start + len(loText) + 1
	if r.hi, err = parseBound(expr, hiPos, hiText); err != nil {
		return numRange{}, err
	}
	if r.hi < r.lo {
		return numRange{}, &SyntaxError{Expr: expr, Pos: start,
			Msg: fmt.Sprintf("reversed range %q", item)}
	}
	return r, nil
}

func parseBound(expr string, pos int, text string) (int64, error) {
	if text == "" {
		return 0, &SyntaxError{Expr: expr, Pos: pos, Msg: "missing number in range"}
	}
	if len(text) > maxDigits {
		return 0, &SyntaxError{Expr: expr, Pos: pos,
			Msg: fmt.Sprintf("number %q has more than %d digits", text, maxDigits)}
	}
	for i := 0; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			return 0, &SyntaxError{Expr: expr, Pos: pos + i,
				Msg: fmt.Sprintf("non-numeric range bound %q", text)}
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil { // unreachable with at most 18 digits; kept for safety
		return 0, &SyntaxError{Expr: expr, Pos: pos, Msg: err.Error()}
	}
	return n, nil
}

// appendTerm appends every name of t to names, leftmost group slowest. It
// walks an odometer over the groups instead of recursing, so the depth does
// not depend on the input, and each step costs O(segments).
func appendTerm(names []string, t term, b *strings.Builder) []string {
	// For group segment i, rangeIdx[i] is the current range and offset[i]
	// the current value's distance from that range's low bound.
	rangeIdx := make([]int, len(t.segments))
	offset := make([]int64, len(t.segments))
	for n := int64(0); n < t.count; n++ {
		b.Reset()
		for i, seg := range t.segments {
			if seg.ranges == nil {
				b.WriteString(seg.text)
				continue
			}
			r := seg.ranges[rangeIdx[i]]
			writePadded(b, r.lo+offset[i], r.width)
		}
		names = append(names, b.String())
		advance(t.segments, rangeIdx, offset)
	}
	return names
}

// advance moves the odometer one step, the rightmost group fastest.
func advance(segments []segment, rangeIdx []int, offset []int64) {
	for i := len(segments) - 1; i >= 0; i-- {
		ranges := segments[i].ranges
		if ranges == nil {
			continue
		}
		offset[i]++
		if offset[i] < ranges[rangeIdx[i]].count() {
			return
		}
		offset[i] = 0
		rangeIdx[i]++
		if rangeIdx[i] < len(ranges) {
			return
		}
		rangeIdx[i] = 0 // carry into the group on the left
	}
}

func writePadded(b *strings.Builder, n int64, width int) {
	digits := strconv.FormatInt(n, 10)
	for i := len(digits); i < width; i++ {
		b.WriteByte('0')
	}
	b.WriteString(digits)
}
