package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// rng is one deterministic random stream.
type rng struct{ r *rand.Rand }

// stream derives an independent stream for a named component, so adding
// draws in one component never shifts the draws of another.
func stream(seed uint64, name string) *rng {
	h := fnv.New64a()
	h.Write([]byte(name))
	return &rng{rand.New(rand.NewPCG(seed, h.Sum64()))}
}

func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return r.r.IntN(n)
}

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + r.r.Int64N(hi-lo+1)
}

func (r *rng) chance(p float64) bool { return p > 0 && r.r.Float64() < p }

func (r *rng) float() float64 { return r.r.Float64() }

func (r *rng) u64() uint64 { return r.r.Uint64() }
