package conf

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseError describes a problem in a configuration file. File and Line
// locate the logical line (the first physical line of a continued line);
// Key is the key being processed, or empty when the problem is not tied to
// one. Warnings use the same type.
type ParseError struct {
	File string
	Line int
	Key  string
	Msg  string
}

// Error formats the error as "file:line: key: msg", leaving out the parts
// that are unknown.
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// KeyRef names one occurrence of a key in a file.
type KeyRef struct {
	File string
	Line int
	Key  string
}

// location is where a logical line starts.
type location struct {
	file string
	line int
}

func (l location) errorf(key, format string, args ...any) *ParseError {
	return &ParseError{File: l.file, Line: l.line, Key: key, Msg: fmt.Sprintf(format, args...)}
}
