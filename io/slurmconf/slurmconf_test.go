package slurmconf

import (
	"testing"
	"time"

	"github.com/flurm/flurm/io/munge"
)

func TestMungeAuthFromAuthInfo(t *testing.T) {
	a, err := MungeAuth("")
	if err != nil || a.Client.Socket != munge.DefaultSocket || a.TTL != 0 {
		t.Fatalf("default: %+v %v", a, err)
	}
	a, err = MungeAuth("socket=/run/m.sock, ttl=60,cred_expire=120")
	if err != nil || a.Client.Socket != "/run/m.sock" || a.TTL != time.Minute {
		t.Fatalf("socket and ttl: %+v %v", a, err)
	}
	for _, bad := range []string{"socket=", "ttl=abc", "ttl=0", "ttl=999999"} {
		if _, err := MungeAuth(bad); err == nil {
			t.Errorf("AuthInfo=%s accepted", bad)
		}
	}
}

func TestPath(t *testing.T) {
	t.Setenv("SLURM_CONF", "")
	if got := Path(""); got != DefaultPath {
		t.Errorf("no flag, no env: %q", got)
	}
	t.Setenv("SLURM_CONF", "/env/slurm.conf")
	if got := Path(""); got != "/env/slurm.conf" {
		t.Errorf("env: %q", got)
	}
	if got := Path("/flag.conf"); got != "/flag.conf" {
		t.Errorf("the flag wins: %q", got)
	}
}
