package conf

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Slurm's "infinite" markers for unsigned fields of each width. A numeric
// field given as UNLIMITED or INFINITE holds the marker of its width.
const (
	Infinite16 = math.MaxUint16
	Infinite32 = math.MaxUint32
	Infinite64 = uint64(math.MaxUint64)
)

// Markers for time.Duration fields.
const (
	// Unlimited is a time limit given as UNLIMITED, INFINITE or -1.
	Unlimited time.Duration = math.MaxInt64
	// NoValue is a time limit that was not configured (Slurm's NO_VAL).
	NoValue time.Duration = -1
)

// parseUint parses value the way Slurm's s_p_handle_uint16/32/64 do: C
// strtoul with base 0 (so "0x1f" is hex and "010" is octal 8), a "k" or "K"
// suffix multiplying by 1024 for 32 and 64 bit fields, and UNLIMITED or
// INFINITE meaning the infinite marker of the width.
func parseUint(value string, bits int) (uint64, error) {
	limit := maxUint(bits)
	if strings.EqualFold(value, "UNLIMITED") || strings.EqualFold(value, "INFINITE") {
		return limit, nil
	}
	if strings.HasPrefix(value, "-") {
		return 0, fmt.Errorf("value %q is less than zero", value)
	}
	text, multiplier := value, uint64(1)
	if bits > 16 && (strings.HasSuffix(text, "k") || strings.HasSuffix(text, "K")) {
		text, multiplier = text[:len(text)-1], 1024
	}
	digits, base := cBase(text)
	n, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("value %q is out of range", value)
		}
		return 0, fmt.Errorf("value %q is not a valid number", value)
	}
	if n > limit/multiplier {
		return 0, fmt.Errorf("value %q is greater than %d", value, limit)
	}
	return n * multiplier, nil
}

// maxUint is the largest value of an unsigned field of the given width,
// which is also Slurm's infinite marker for it.
func maxUint(bits int) uint64 {
	if bits >= 64 {
		return Infinite64
	}
	return uint64(1)<<bits - 1
}

// cBase returns the digits and base C's strtoul picks with base 0.
func cBase(text string) (string, int) {
	switch {
	case strings.HasPrefix(text, "0x") || strings.HasPrefix(text, "0X"):
		return text[2:], 16
	case len(text) > 1 && text[0] == '0':
		return text[1:], 8
	}
	return text, 10
}

// parseBool accepts Slurm's boolean words, case-insensitively.
func parseBool(value string) (bool, error) {
	switch strings.ToLower(value) {
	case "yes", "up", "true", "1":
		return true, nil
	case "no", "down", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a valid boolean (use YES or NO)", value)
}

// maxTimeSeconds keeps time values within Slurm's int arithmetic.
const maxTimeSeconds = math.MaxInt32

// ParseTime parses a Slurm time string and returns its length, rounded to
// whole seconds, or Unlimited for "UNLIMITED", "INFINITE" and "-1".
// Accepted forms are those of Slurm's time_str2secs: "mm", "mm:ss",
// "hh:mm:ss", "days-hh", "days-hh:mm" and "days-hh:mm:ss". Unlike Slurm,
// every field must have at least one digit.
func ParseTime(value string) (time.Duration, error) {
	switch strings.ToUpper(value) {
	case "UNLIMITED", "INFINITE", "-1":
		return Unlimited, nil
	}
	days, clock, hasDays := strings.Cut(value, "-")
	if !hasDays {
		days, clock = "", value
	}
	fields := strings.Split(clock, ":")
	if len(fields) > 3 {
		return 0, fmt.Errorf("time %q has more than three ':' fields", value)
	}
	var d, h, m, s int64
	parts := make([]int64, len(fields))
	for i, f := range fields {
		n, err := timeField(value, f)
		if err != nil {
			return 0, err
		}
		parts[i] = n
	}
	if hasDays {
		var err error
		if d, err = timeField(value, days); err != nil {
			return 0, err
		}
		// days-hh[:mm[:ss]]
		h = parts[0]
		if len(parts) > 1 {
			m = parts[1]
		}
		if len(parts) > 2 {
			s = parts[2]
		}
	} else {
		switch len(parts) {
		case 1: // mm
			m = parts[0]
		case 2: // mm:ss
			m, s = parts[0], parts[1]
		case 3: // hh:mm:ss
			h, m, s = parts[0], parts[1], parts[2]
		}
	}
	total := d*86400 + h*3600 + m*60 + s
	if total > maxTimeSeconds {
		return 0, fmt.Errorf("time %q is too large", value)
	}
	return time.Duration(total) * time.Second, nil
}

func timeField(value, field string) (int64, error) {
	if field == "" || len(field) > 9 {
		return 0, fmt.Errorf("invalid time %q (use mm, mm:ss, hh:mm:ss, days-hh, days-hh:mm or days-hh:mm:ss)", value)
	}
	for i := 0; i < len(field); i++ {
		if field[i] < '0' || field[i] > '9' {
			return 0, fmt.Errorf("invalid time %q (use mm, mm:ss, hh:mm:ss, days-hh, days-hh:mm or days-hh:mm:ss)", value)
		}
	}
	return strconv.ParseInt(field, 10, 64)
}

// parseMinutes parses a time limit as Slurm's time_str2mins does: the value
// is rounded up to whole minutes.
func parseMinutes(value string) (time.Duration, error) {
	d, err := ParseTime(value)
	if err != nil || d == Unlimited {
		return d, err
	}
	return (d + time.Minute - time.Second) / time.Minute * time.Minute, nil
}

// splitList splits a comma-separated value, dropping empty items.
func splitList(value string) []string {
	var items []string
	for _, item := range strings.Split(value, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
