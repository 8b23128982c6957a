package hostlist

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// hostName draws names that stress prefix splitting and zero padding:
// prefixes that end in digits-then-letters, empty prefixes, padded and
// unpadded suffixes, and names with no numeric suffix.
func hostName() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		prefix := rapid.SampledFrom([]string{"n", "gpu", "a1b", "rack-", "x.y", "", "n0"}).Draw(t, "prefix")
		if rapid.IntRange(0, 9).Draw(t, "plain") == 0 {
			return prefix + rapid.SampledFrom([]string{"login", "head", "z"}).Draw(t, "word")
		}
		num := rapid.Int64Range(0, 1200).Draw(t, "num")
		width := rapid.IntRange(0, 5).Draw(t, "width")
		return fmt.Sprintf("%s%0*d", prefix, width, num)
	})
}

// TestCompressRoundTrip: Expand(Compress(x)) == x for any list of valid
// names, in any order and with duplicates.
func TestCompressRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := rapid.SliceOfN(hostName(), 1, 60).Draw(t, "names")
		compressed := Compress(names)
		back, err := Expand(compressed)
		if err != nil {
			t.Fatalf("Expand(%q): %v", compressed, err)
		}
		if !slices.Equal(back, names) {
			t.Fatalf("round trip via %q: got %q, want %q", compressed, back, names)
		}
	})
}

// TestCompressRunsAreCompact: a sorted run of consecutive same-width numbers
// always compresses to a single bracket with one range.
func TestCompressRunsAreCompact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lo := rapid.IntRange(0, 5000).Draw(t, "lo")
		n := rapid.IntRange(2, 300).Draw(t, "n")
		width := rapid.IntRange(1, 6).Draw(t, "width")
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("n%0*d", width, lo+i)
		}
		got := Compress(names)
		want := fmt.Sprintf("n[%0*d-%0*d]", width, lo, width, lo+n-1)
		if got != want {
			t.Fatalf("Compress(%q...) = %q, want %q", names[0], got, want)
		}
	})
}

// TestExpandCompressExpand: for generated expressions, compressing the
// expansion denotes the same names, and Count agrees with Expand.
func TestExpandCompressExpand(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		terms := rapid.SliceOfN(rapid.Custom(genTerm), 1, 5).Draw(t, "terms")
		expr := strings.Join(terms, ",")
		names, err := Expand(expr)
		if err != nil {
			t.Fatalf("Expand(%q): %v", expr, err)
		}
		n, err := Count(expr)
		if err != nil || n != len(names) {
			t.Fatalf("Count(%q) = %d, %v; Expand gave %d", expr, n, err, len(names))
		}
		again, err := Expand(Compress(names))
		if err != nil || !slices.Equal(again, names) {
			t.Fatalf("Expand(Compress(Expand(%q))) differs: %v", expr, err)
		}
	})
}

func genTerm(t *rapid.T) string {
	var b strings.Builder
	groups := rapid.IntRange(0, 2).Draw(t, "groups")
	b.WriteString(rapid.SampledFrom([]string{"n", "gpu", "r"}).Draw(t, "head"))
	for g := 0; g < groups; g++ {
		b.WriteByte('[')
		items := rapid.IntRange(1, 3).Draw(t, "items")
		for i := 0; i < items; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			width := rapid.IntRange(1, 4).Draw(t, "width")
			lo := rapid.IntRange(0, 150).Draw(t, "lo")
			hi := lo + rapid.IntRange(0, 12).Draw(t, "span")
			fmt.Fprintf(&b, "%0*d-%d", width, lo, hi)
		}
		b.WriteByte(']')
		if g+1 < groups {
			b.WriteString(rapid.SampledFrom([]string{"-ib", "s", "."}).Draw(t, "sep"))
		}
	}
	return b.String()
}

// TestExpandNeverPanics feeds arbitrary strings over the expression
// alphabet; Expand must return names or an error, and names never exceed
// the limit.
func TestExpandNeverPanics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		expr := rapid.StringOfN(rapid.RuneFrom([]rune("n0123456789[]-, x")), 0, 40, -1).Draw(t, "expr")
		names, err := Expand(expr)
		if err == nil && (len(names) == 0 || len(names) > MaxHosts) {
			t.Fatalf("Expand(%q) returned %d names without error", expr, len(names))
		}
	})
}

func FuzzExpand(f *testing.F) {
	for _, seed := range []string{"n[1-3]", "n[1-2]-ib[0-3]", "a,b[01-10],c", "n[", "]", "n[1-2-3]"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		names, err := Expand(expr)
		if err != nil {
			return
		}
		if len(names) > MaxHosts {
			t.Fatalf("%d names exceed MaxHosts", len(names))
		}
		if len(names) <= 10000 {
			// Names from a valid expression never contain separators or
			// brackets, so they must round-trip through Compress.
			back, err := Expand(Compress(names))
			if err != nil || !slices.Equal(back, names) {
				t.Fatalf("round trip of Expand(%q) failed: %v", expr, err)
			}
		}
	})
}
