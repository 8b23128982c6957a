package conf

import (
	"fmt"
	"strings"
)

// located is a value together with where it was written.
type located struct {
	location
	key   string // canonical key
	value string
}

// settings are the values of one multi-pair line (or the accumulated
// DEFAULT values), by canonical key.
type settings map[string]located

// get returns the value of key from the first of sets that has it.
func get(key string, sets ...settings) (located, bool) {
	for _, s := range sets {
		if v, ok := s[key]; ok {
			return v, true
		}
	}
	return located{}, false
}

// parser holds the state of one Parse call.
type parser struct {
	cfg          *Config
	readFile     ReadFileFunc
	totalBytes   int
	budget       int      // see charge
	includeChain []string // files being parsed, outermost first

	scalars      map[string]located // single-pair keys, last value wins
	controlHosts []located          // SlurmctldHost values in order

	nodeDefaults settings
	partDefaults settings
	nodeIndex    map[string]int // node name -> index in cfg.Nodes
	partIndex    map[string]int
	nodeSetIndex map[string]int
	partLines    []settings // per partition, for resolving Nodes later
	downLines    []settings
	nodeSetLines []settings
}

func newParser(readFile ReadFileFunc) *parser {
	return &parser{
		cfg:          newConfig(),
		readFile:     readFile,
		budget:       MaxExpandedNames,
		scalars:      map[string]located{},
		nodeDefaults: settings{},
		partDefaults: settings{},
		nodeIndex:    map[string]int{},
		partIndex:    map[string]int{},
		nodeSetIndex: map[string]int{},
	}
}

// keyIndex maps lower-cased keys to their canonical spelling.
type keyIndex map[string]string

func newKeyIndex(keys []string) keyIndex {
	idx := make(keyIndex, len(keys))
	for _, k := range keys {
		idx[strings.ToLower(k)] = k
	}
	return idx
}

var topLevelIndex = newKeyIndex(topLevelKeys)

// canonicalKey returns the canonical spelling of key and whether idx knows
// it; unknown keys come back as written.
func canonicalKey(idx keyIndex, key string) (string, bool) {
	if k, ok := idx[strings.ToLower(key)]; ok {
		return k, true
	}
	return key, false
}

// record appends the pairs of a multi-pair line to Raw, with head as their
// Head. When idx is non-nil it also returns the pairs after the first as
// settings: keys unknown to idx go to Config.Unknown, and a key repeated on
// the line keeps its last value, as Slurm does, with a warning.
func (p *parser) record(l logicalLine, head string, pairs []pair, idx keyIndex) settings {
	p.cfg.Raw = append(p.cfg.Raw, Entry{File: l.file, Line: l.line, Head: head, Key: head, Value: pairs[0].value})
	values := settings{}
	for _, pr := range pairs[1:] {
		key, known := pr.key, false
		if idx != nil {
			key, known = canonicalKey(idx, pr.key)
		}
		p.cfg.Raw = append(p.cfg.Raw, Entry{File: l.file, Line: l.line, Head: head, Key: key, Value: pr.value})
		if idx == nil {
			continue
		}
		if !known {
			p.cfg.Unknown = append(p.cfg.Unknown, KeyRef{File: l.file, Line: l.line, Key: pr.key})
			continue
		}
		if _, dup := values[key]; dup {
			p.warn(l, key, "specified more than once on this line, latest value used")
		}
		values[key] = located{location: l.location, key: key, value: pr.value}
	}
	return values
}

func (p *parser) warn(l logicalLine, key, format string, args ...any) {
	p.warnAt(l.location, key, format, args...)
}

// MaxWarnings bounds Config.Warnings; one more entry notes the cut.
const MaxWarnings = 1000

func (p *parser) warnAt(loc location, key, format string, args ...any) {
	switch n := len(p.cfg.Warnings); {
	case n > MaxWarnings:
		return
	case n == MaxWarnings:
		format, args = "too many warnings; further warnings are not recorded", nil
	}
	p.cfg.Warnings = append(p.cfg.Warnings, ParseError{File: loc.file, Line: loc.line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// mergeDefaults returns line's values over the previous defaults, Slurm's
// s_p_hashtbl_merge for NodeName=DEFAULT and PartitionName=DEFAULT.
func mergeDefaults(previous, line settings) settings {
	merged := make(settings, len(previous)+len(line))
	for k, v := range previous {
		merged[k] = v
	}
	for k, v := range line {
		merged[k] = v
	}
	return merged
}

// uintSetting parses key from the first of sets holding it as an unsigned
// integer of the given width; ok is false when no set holds it.
func uintSetting(key string, bits int, sets ...settings) (n uint64, ok bool, err error) {
	v, found := get(key, sets...)
	if !found {
		return 0, false, nil
	}
	n, err = parseUint(v.value, bits)
	if err != nil {
		return 0, false, v.errorf(key, "%v", err)
	}
	return n, true, nil
}

func boolSetting(key string, sets ...settings) (b, ok bool, err error) {
	v, found := get(key, sets...)
	if !found {
		return false, false, nil
	}
	b, err = parseBool(v.value)
	if err != nil {
		return false, false, v.errorf(key, "%v", err)
	}
	return b, true, nil
}
