package conf

import (
	"testing"
	"time"
)

func TestParseUint(t *testing.T) {
	cases := []struct {
		in   string
		bits int
		want uint64
		err  string
	}{
		{"0", 16, 0, ""},
		{"65535", 16, 65535, ""},
		{"65536", 16, 0, `value "65536" is greater than 65535`},
		{"0x10", 16, 16, ""},
		{"0X1f", 32, 31, ""},
		{"010", 32, 8, ""}, // C octal, as strtoul(..., 0)
		{"09", 32, 0, `value "09" is not a valid number`},
		{"2k", 32, 2048, ""},
		{"2K", 64, 2048, ""},
		{"2k", 16, 0, `value "2k" is not a valid number`}, // no suffix for uint16
		{"4194304k", 32, 0, `value "4194304k" is greater than 4294967295`},
		{"UNLIMITED", 16, Infinite16, ""},
		{"infinite", 32, Infinite32, ""},
		{"Infinite", 64, Infinite64, ""},
		{"-1", 32, 0, `value "-1" is less than zero`},
		{"", 32, 0, `value "" is not a valid number`},
		{"1_000", 32, 0, `value "1_000" is not a valid number`},
		{"0x", 32, 0, `value "0x" is not a valid number`},
		{"99999999999999999999", 64, 0, `value "99999999999999999999" is out of range`},
		{"18446744073709551615", 64, 18446744073709551615, ""},
	}
	for _, c := range cases {
		got, err := parseUint(c.in, c.bits)
		switch {
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("parseUint(%q, %d) error = %v, want %q", c.in, c.bits, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("parseUint(%q, %d) = %d, %v; want %d", c.in, c.bits, got, err, c.want)
		}
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"YES": true, "up": true, "True": true, "1": true,
		"no": false, "DOWN": false, "false": false, "0": false} {
		got, err := parseBool(in)
		if err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := parseBool("y"); err == nil {
		t.Error("parseBool accepted y")
	}
}

func TestParseTime(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"30", 30 * time.Minute},
		{"30:15", 30*time.Minute + 15*time.Second},
		{"1:30:15", time.Hour + 30*time.Minute + 15*time.Second},
		{"2-0", 48 * time.Hour},
		{"2-12", 60 * time.Hour},
		{"2-12:30", 60*time.Hour + 30*time.Minute},
		{"2-12:30:45", 60*time.Hour + 30*time.Minute + 45*time.Second},
		{"90", 90 * time.Minute},
		{"0:90", 90 * time.Second},
		{"UNLIMITED", Unlimited},
		{"infinite", Unlimited},
		{"-1", Unlimited},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "x", "1:2:3:4", "1-", "-", "-5", "1-2-3", "1:2-3", "1::2", ":5", "1-:5",
		"1.5", "1h", "24856-0", "9999999999"} {
		if got, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) = %v, want error", bad, got)
		}
	}
}

func TestParseMinutesRoundsUp(t *testing.T) {
	cases := map[string]time.Duration{
		"0:01":     time.Minute,
		"1:00":     time.Minute,
		"1:01":     2 * time.Minute,
		"0:0:59":   time.Minute,
		"0":        0,
		"INFINITE": Unlimited,
	}
	for in, want := range cases {
		got, err := parseMinutes(in)
		if err != nil || got != want {
			t.Errorf("parseMinutes(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestCPULayout(t *testing.T) {
	type layout = cpuLayout
	cases := []struct {
		name     string
		in       layout
		cpus     uint16
		sockets  uint16
		boards   uint16
		warnings int
	}{
		{"nothing given", layout{boards: 1, cores: 1, threads: 1, cpus: 1, sockets: 1}, 1, 1, 1, 0},
		{"CPUs only", layout{boards: 1, cores: 1, threads: 1, cpus: 2, sockets: 1, hasCPUs: true}, 2, 2, 1, 0},
		{"topology only", layout{boards: 1, cores: 16, threads: 2, cpus: 1, sockets: 2, hasSockets: true}, 64, 2, 1, 0},
		{"CPUs divides cores*threads", layout{boards: 1, cores: 8, threads: 2, cpus: 32, sockets: 1, hasCPUs: true}, 32, 2, 1, 0},
		{"CPUs not a multiple", layout{boards: 1, cores: 8, threads: 2, cpus: 20, sockets: 1, hasCPUs: true}, 16, 1, 1, 1},
		{"CPUs equals sockets*cores", layout{boards: 1, cores: 8, threads: 2, cpus: 16, sockets: 2, hasCPUs: true, hasSockets: true}, 16, 2, 1, 0},
		{"SocketsPerBoard", layout{boards: 2, cores: 4, threads: 1, cpus: 1, sockets: 1, socketsPerBoard: 2, hasSocketsPerBoard: true}, 16, 4, 2, 0},
		{"both socket keys", layout{boards: 1, cores: 4, threads: 1, cpus: 1, sockets: 8, socketsPerBoard: 2, hasSockets: true, hasSocketsPerBoard: true}, 8, 2, 1, 1},
		{"sockets below boards", layout{boards: 4, cores: 1, threads: 1, cpus: 1, sockets: 2, hasSockets: true}, 2, 2, 1, 1},
		{"zero cores", layout{boards: 1, cores: 0, threads: 1, cpus: 1, sockets: 1}, 1, 1, 1, 1},
	}
	for _, c := range cases {
		l := c.in
		warnings, err := l.resolve()
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if l.cpus != c.cpus || l.sockets != c.sockets || l.boards != c.boards || len(warnings) != c.warnings {
			t.Errorf("%s: cpus=%d sockets=%d boards=%d warnings=%q; want %d %d %d, %d warnings",
				c.name, l.cpus, l.sockets, l.boards, warnings, c.cpus, c.sockets, c.boards, c.warnings)
		}
	}
	overflow := cpuLayout{boards: 1, cores: 1000, threads: 100, cpus: 1, sockets: 2, hasSockets: true}
	if _, err := overflow.resolve(); err == nil {
		t.Error("16-bit overflow accepted")
	}
}
