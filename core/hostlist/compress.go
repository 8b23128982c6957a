package hostlist

import (
	"strconv"
	"strings"
)

// hostRange is a run of names prefix+N for consecutive N, all written with
// the same zero padding. A name without a usable numeric suffix is a
// single-name range with numbered == false.
type hostRange struct {
	prefix   string
	numbered bool
	lo, hi   int64
	// Any width in [minWidth, maxWidth] reproduces every member's digits
	// exactly; the interval narrows as members join.
	minWidth, maxWidth int
}

// splitName splits name into a prefix and its trailing digits. ok is false
// when there is no numeric suffix or it is too long to hold as a number, in
// which case the name is kept verbatim.
func splitName(name string) (r hostRange, ok bool) {
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	digits := name[i:]
	if digits == "" || len(digits) > maxDigits {
		return hostRange{prefix: name}, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return hostRange{prefix: name}, false
	}
	r = hostRange{prefix: name[:i], numbered: true, lo: n, hi: n}
	if len(digits) > 1 && digits[0] == '0' {
		// Zero padded: only this exact width writes these digits.
		r.minWidth, r.maxWidth = len(digits), len(digits)
	} else {
		// Unpadded: any width up to the digit count writes the same text.
		r.minWidth, r.maxWidth = 0, len(digits)
	}
	return r, true
}

// join extends r by next if next continues r with a compatible padding, the
// rule of Slurm's hostlist_push_range (tail->hi == lo-1, same prefix, widths
// that _width_equiv accepts).
func (r *hostRange) join(next hostRange) bool {
	if !r.numbered || !next.numbered || r.prefix != next.prefix || r.hi+1 != next.lo {
		return false
	}
	lo, hi := max(r.minWidth, next.minWidth), min(r.maxWidth, next.maxWidth)
	if lo > hi {
		return false
	}
	r.hi, r.minWidth, r.maxWidth = next.hi, lo, hi
	return true
}

// Compress returns the ranged form of names, keeping their order. See the
// package documentation for the exact rules. Names containing ',', ' ',
// '\t', '[' or ']' cannot be represented and are written verbatim, so the
// result does not expand back to them.
func Compress(names []string) string {
	var ranges []hostRange
	for _, name := range names {
		next, _ := splitName(name)
		if len(ranges) > 0 && ranges[len(ranges)-1].join(next) {
			continue
		}
		ranges = append(ranges, next)
	}
	var b strings.Builder
	for i := 0; i < len(ranges); {
		if i > 0 {
			b.WriteByte(',')
		}
		i = writeBracketed(&b, ranges, i)
	}
	return b.String()
}

// sameBracket reports whether a and b print inside one bracket, Slurm's
// hostrange_within_range: both numbered and with the same prefix.
func sameBracket(a, b hostRange) bool {
	return a.numbered && b.numbered && a.prefix == b.prefix
}

// writeBracketed writes ranges[i] together with the following ranges that
// share its bracket and returns the index of the first range not written.
func writeBracketed(b *strings.Builder, ranges []hostRange, i int) int {
	first := ranges[i]
	b.WriteString(first.prefix)
	if !first.numbered {
		return i + 1
	}
	end := i + 1
	for end < len(ranges) && sameBracket(ranges[end-1], ranges[end]) {
		end++
	}
	bracket := end-i > 1 || first.lo != first.hi
	if bracket {
		b.WriteByte('[')
	}
	for k := i; k < end; k++ {
		if k > i {
			b.WriteByte(',')
		}
		r := ranges[k]
		writePadded(b, r.lo, r.maxWidth)
		if r.hi != r.lo {
			b.WriteByte('-')
			writePadded(b, r.hi, r.maxWidth)
		}
	}
	if bracket {
		b.WriteByte(']')
	}
	return end
}
