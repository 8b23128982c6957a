package conf

import (
	"fmt"
	"path"
	"strings"
)

// Limits on input size. They are far above any real cluster's slurm.conf
// and exist so that hostile or broken input fails fast.
const (
	MaxFileBytes    = 16 << 20 // one file
	MaxTotalBytes   = 64 << 20 // all files together
	MaxFiles        = 256      // files opened, the main one included
	MaxIncludeDepth = 16       // nested Include levels below the main file
	MaxEntries      = 1 << 20  // key=value pairs in all files
)

// ReadFileFunc returns the contents of the named file. Core code cannot do
// I/O, so the caller supplies it (os.ReadFile in a daemon, a map in tests).
type ReadFileFunc func(path string) ([]byte, error)

// Parse reads the slurm.conf at path, and the files it includes, through
// readFile and returns the typed configuration. Every error is a
// *ParseError.
func Parse(path string, readFile ReadFileFunc) (*Config, error) {
	if readFile == nil {
		return nil, &ParseError{File: path, Msg: "no file reader supplied"}
	}
	data, err := readFile(path)
	if err != nil {
		return nil, &ParseError{File: path, Msg: fmt.Sprintf("cannot read: %v", err)}
	}
	return ParseBytes(path, data, readFile)
}

// ParseBytes parses data as the slurm.conf named name. Relative Include
// paths are resolved against the directory of name and read through
// readFile, which may be nil when the data has no Include lines.
func ParseBytes(name string, data []byte, readFile ReadFileFunc) (*Config, error) {
	p := newParser(readFile)
	if err := p.file(name, data, 0); err != nil {
		return nil, err
	}
	if err := p.finish(name); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

// file parses one file's contents; depth is its Include nesting level.
func (p *parser) file(name string, data []byte, depth int) error {
	if len(p.cfg.Files) >= MaxFiles {
		return &ParseError{File: name, Msg: fmt.Sprintf("more than %d configuration files", MaxFiles)}
	}
	if len(data) > MaxFileBytes {
		return &ParseError{File: name, Msg: fmt.Sprintf("file larger than %d bytes", MaxFileBytes)}
	}
	p.totalBytes += len(data)
	if p.totalBytes > MaxTotalBytes {
		return &ParseError{File: name, Msg: fmt.Sprintf("configuration files larger than %d bytes in total", MaxTotalBytes)}
	}
	p.cfg.Files = append(p.cfg.Files, name)
	p.includeChain = append(p.includeChain, name)
	defer func() { p.includeChain = p.includeChain[:len(p.includeChain)-1] }()

	lines, err := splitLines(name, data)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if err := p.line(l, depth); err != nil {
			return err
		}
	}
	return nil
}

// line handles one logical line.
func (p *parser) line(l logicalLine, depth int) error {
	if target, rest, ok := includeDirective(l.text); ok {
		return p.include(l, target, rest, depth)
	}
	pairs, err := splitPairs(l.text)
	if err != nil {
		key := ""
		if pe, ok := err.(*pairError); ok {
			key = pe.key
		}
		return l.errorf(key, "%v", err)
	}
	for _, pr := range pairs {
		if pr.op != 0 {
			return l.errorf(pr.key, "operator %q is not supported in slurm.conf", string(pr.op)+"=")
		}
	}
	if len(p.cfg.Raw)+len(pairs) > MaxEntries {
		return l.errorf("", "more than %d key=value pairs", MaxEntries)
	}
	head, known := canonicalKey(topLevelIndex, pairs[0].key)
	switch head {
	case "NodeName":
		return p.nodeLine(l, pairs)
	case "PartitionName":
		return p.partitionLine(l, pairs)
	case "NodeSet":
		return p.nodeSetLine(l, pairs)
	case "DownNodes":
		return p.downNodesLine(l, pairs)
	case "SlurmctldHost":
		return p.controlHostLine(l, pairs)
	case "FrontendName":
		p.record(l, "FrontendName", pairs, nil)
		p.warn(l, "FrontendName", "front end nodes are not supported; line ignored")
		return nil
	}
	if !known {
		// Unknown keys are reported, never interpreted; a line of several
		// unknown pairs is kept whole.
		for _, pr := range pairs {
			p.cfg.Raw = append(p.cfg.Raw, Entry{File: l.file, Line: l.line, Key: pr.key, Value: pr.value})
			p.cfg.Unknown = append(p.cfg.Unknown, KeyRef{File: l.file, Line: l.line, Key: pr.key})
		}
		return nil
	}
	if len(pairs) > 1 {
		return l.errorf(head, "unexpected %q after the value; only NodeName, PartitionName, "+
			"NodeSet, DownNodes and SlurmctldHost lines take several key=value pairs", pairs[1].key+"=")
	}
	if pairs[0].value == "" && !pairs[0].quoted {
		// Slurm refuses "Key=" outside multi-pair lines; an accidental blank
		// must not silently become an empty user name or path.
		return l.errorf(head, `missing value (write %s="" for an empty value)`, head)
	}
	p.cfg.Raw = append(p.cfg.Raw, Entry{File: l.file, Line: l.line, Key: head, Value: pairs[0].value})
	if prev, dup := p.scalars[head]; dup {
		p.warn(l, head, "specified more than once (first at %s:%d), latest value used", prev.file, prev.line)
	}
	p.scalars[head] = located{location: l.location, key: head, value: pairs[0].value}
	return nil
}

// includeDirective recognizes "Include <file>" at the very start of a line,
// case-insensitively, as Slurm's _parse_include_directive does.
func includeDirective(text string) (target, rest string, ok bool) {
	const word = "include"
	if len(text) <= len(word) || !strings.EqualFold(text[:len(word)], word) || !isSpace(text[len(word)]) {
		return "", "", false
	}
	text = strings.TrimLeft(text[len(word):], " \t\r\v\f")
	end := 0
	for end < len(text) && !isSpace(text[end]) {
		end++
	}
	return text[:end], text[end:], true
}

func (p *parser) include(l logicalLine, target, rest string, depth int) error {
	const key = "Include"
	if target == "" {
		return l.errorf(key, "missing file name")
	}
	if strings.TrimSpace(rest) != "" {
		return l.errorf(key, "unexpected %q after the file name", clip(strings.TrimSpace(rest)))
	}
	if strings.Contains(target, "%c") {
		cluster, ok := p.scalars["ClusterName"]
		if !ok || cluster.value == "" {
			return l.errorf(key, "%q uses %%c but ClusterName is not set before this line", target)
		}
		target = strings.ReplaceAll(target, "%c", strings.ToLower(cluster.value))
	}
	if strings.ContainsAny(target, "*?[") {
		return l.errorf(key, "%q: glob patterns are not supported (Slurm 22.05 does not expand them either); list each file", target)
	}
	// Slurm resolves a relative name against the directory of the file
	// that contains the Include line.
	if !path.IsAbs(target) {
		target = path.Join(path.Dir(l.file), target)
	}
	if depth+1 > MaxIncludeDepth {
		return l.errorf(key, "includes nested deeper than %d levels", MaxIncludeDepth)
	}
	for i, open := range p.includeChain {
		if open == target {
			chain := append(append([]string(nil), p.includeChain[i:]...), target)
			return l.errorf(key, "include cycle: %s", strings.Join(chain, " -> "))
		}
	}
	p.cfg.Raw = append(p.cfg.Raw, Entry{File: l.file, Line: l.line, Key: key, Value: target})
	if p.readFile == nil {
		return l.errorf(key, "cannot read %q: no file reader supplied", target)
	}
	data, err := p.readFile(target)
	if err != nil {
		return l.errorf(key, "cannot read %q: %v", target, err)
	}
	return p.file(target, data, depth+1)
}
