package nodeagent

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/flurm/flurm/core/msg"
	"github.com/flurm/flurm/core/state"
)

// Launch records: one JSON file per attempt the agent started and has not
// yet seen acknowledged, so a restarted flurmnd can adopt what still runs
// with the resources it holds. Files are written to a temporary name,
// synced and renamed, so a crash leaves either the whole record or none.

const (
	maxRecords     = 4096
	maxRecordBytes = 64 << 20
)

type records struct {
	dir string
	mu  sync.Mutex
	uid map[state.JobAttempt]uint32
}

func openRecords(spool string) (*records, error) {
	if spool == "" {
		return nil, errors.New("nodeagent: SpoolDir is required")
	}
	dir := filepath.Join(spool, "launches")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("nodeagent: launch records: %w", err)
	}
	return &records{dir: dir, uid: map[state.JobAttempt]uint32{}}, nil
}

func (r *records) path(j state.JobAttempt) string {
	return filepath.Join(r.dir, fmt.Sprintf("job%d.%d.json", j.ID, j.Attempt))
}

func (r *records) save(l msg.Launch) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.uid) >= maxRecords {
		return fmt.Errorf("more than %d launch records", maxRecords)
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	tmp := r.path(l.Job) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, r.path(l.Job))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	r.uid[l.Job] = l.Spec.UID
	return nil
}

// load reads every record. A corrupt record is reported and skipped: the
// controller then learns the attempt is gone and ends the job.
func (r *records) load() ([]msg.Launch, error) {
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, err
	}
	var out []msg.Launch
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(r.dir, name))
			continue
		}
		if !strings.HasSuffix(name, ".json") || len(out) >= maxRecords {
			continue
		}
		info, err := e.Info()
		if err != nil || info.Size() > maxRecordBytes {
			continue
		}
		b, err := os.ReadFile(filepath.Join(r.dir, name))
		var l msg.Launch
		if err == nil {
			err = json.Unmarshal(b, &l)
		}
		if err != nil || r.path(l.Job) != filepath.Join(r.dir, name) {
			fmt.Fprintf(os.Stderr, "flurmnd: skipping corrupt launch record %s: %v\n", name, err)
			continue
		}
		r.mu.Lock()
		r.uid[l.Job] = l.Spec.UID
		r.mu.Unlock()
		out = append(out, l)
	}
	return out, nil
}

func (r *records) remove(j state.JobAttempt) error {
	r.mu.Lock()
	delete(r.uid, j)
	r.mu.Unlock()
	if err := os.Remove(r.path(j)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (r *records) owner(j state.JobAttempt) (uint32, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	uid, ok := r.uid[j]
	return uid, ok
}
