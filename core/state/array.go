package state

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Job arrays (sbatch --array). A submit whose spec lists ArrayTasks
// creates one job record per task, with consecutive ids, in one command:
// the first record's id is the array's id (Slurm's array_job_id), and the
// submit's result and its de-duplication entry name that id. Slurm instead
// keeps unstarted tasks in one meta record and splits a task off when it
// starts; one record per task from the start keeps Apply simple and every
// task schedulable like any job, at the price of allocating all the ids at
// submit time (they count against MaxJobCount at once).

// DefaultMaxArraySize is slurm.conf's MaxArraySize default: task ids must
// be below it.
const DefaultMaxArraySize = 1001

// MaxArraySizeLimit is the largest MaxArraySize Slurm accepts.
const MaxArraySizeLimit = 4000001

// MaxArraySpecLen bounds the --array string accepted by the parser.
const MaxArraySpecLen = 4096

// Errors of ParseArray. ErrArrayUnsupported marks valid Slurm syntax FLURM
// does not implement (the "%N" throttle).
var (
	ErrArrayMalformed   = errors.New("malformed array index specification")
	ErrArrayUnsupported = errors.New("unsupported array specification")
)

// ParseArray parses Slurm's array index syntax: comma-separated ids and
// ranges "a-b" with an optional step ":s". It returns the task ids in
// increasing order without duplicates. Task ids must be below maxSize
// (MaxArraySize), which also bounds the work done.
func ParseArray(s string, maxSize int) ([]uint32, error) {
	if s == "" || len(s) > MaxArraySpecLen {
		return nil, fmt.Errorf("%w: empty or longer than %d bytes", ErrArrayMalformed, MaxArraySpecLen)
	}
	if maxSize <= 0 || maxSize > MaxArraySizeLimit {
		return nil, fmt.Errorf("%w: MaxArraySize %d", ErrArrayMalformed, maxSize)
	}
	if strings.Contains(s, "%") {
		return nil, fmt.Errorf("%w: the %%N task throttle in %q", ErrArrayUnsupported, s)
	}
	seen := make([]bool, maxSize)
	for _, part := range strings.Split(s, ",") {
		rng, stepStr, hasStep := strings.Cut(part, ":")
		loStr, hiStr, isRange := strings.Cut(rng, "-")
		lo, err1 := parseTaskID(loStr, maxSize)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = parseTaskID(hiStr, maxSize)
		}
		step := 1
		var err3 error
		if hasStep {
			if !isRange {
				return nil, fmt.Errorf("%w: step without a range in %q", ErrArrayMalformed, part)
			}
			step, err3 = parseTaskID(stepStr, maxSize)
		}
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrArrayMalformed, part, err)
		}
		if hi < lo || step < 1 {
			return nil, fmt.Errorf("%w: empty range %q", ErrArrayMalformed, part)
		}
		for i := lo; i <= hi; i += step {
			seen[i] = true
		}
	}
	var ids []uint32
	for i, ok := range seen {
		if ok {
			ids = append(ids, uint32(i))
		}
	}
	return ids, nil
}

func parseTaskID(s string, maxSize int) (int, error) {
	if s == "" || len(s) > 10 {
		return 0, fmt.Errorf("bad number %q", s)
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", s)
	}
	if v >= uint64(maxSize) {
		return 0, fmt.Errorf("%d not below MaxArraySize=%d", v, maxSize)
	}
	return int(v), nil
}

// FormatArray writes task ids (increasing) the way Slurm prints an array's
// task list: runs of consecutive ids as "a-b", separated by commas.
func FormatArray(ids []uint32) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		k := i
		for k+1 < len(ids) && ids[k+1] == ids[k]+1 {
			k++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(ids[i]), 10))
		if k > i {
			b.WriteByte('-')
			b.WriteString(strconv.FormatUint(uint64(ids[k]), 10))
		}
		i = k + 1
	}
	return b.String()
}

// IsArrayTask reports whether the job is one task of a job array.
func (j *Job) IsArrayTask() bool { return j.ArrayJobID != 0 }

// validateArray checks an array submit against MaxArraySize, MaxJobCount
// and the id space: all tasks get consecutive ids starting at nextID.
func (m *Machine) validateArray(tasks []uint32) *Error {
	n := len(tasks)
	if n == 0 {
		return nil
	}
	for i, t := range tasks {
		if int64(t) >= int64(m.opts.MaxArraySize) || (i > 0 && t <= tasks[i-1]) {
			return reject(ErrInvalidArray, "Invalid job array specification")
		}
	}
	if len(m.order)+n > m.opts.MaxJobCount {
		return reject(ErrTooManyJobs, "Job limit reached (MaxJobCount=%d)", m.opts.MaxJobCount)
	}
	if uint64(m.nextID)+uint64(n) > 1<<32-1 {
		return reject(ErrTooManyJobs, "job id space exhausted")
	}
	for id := m.nextID; id <= m.nextID+JobID(n); id++ { // and the id after, as a single submit checks
		if _, taken := m.jobs[id]; taken {
			return reject(ErrTooManyJobs, "job id space exhausted")
		}
	}
	return nil
}

// ErrInvalidArray is ESLURM_INVALID_ARRAY.
const ErrInvalidArray ErrCode = 2081

// ArrayTasks lists the records of array id in increasing id order.
func (m *Machine) ArrayTasks(id JobID) []*Job {
	var out []*Job
	if j := m.jobs[id]; j == nil || j.ArrayJobID != id {
		return nil
	}
	for _, jid := range m.order[m.orderIndex(id):] {
		j := m.jobs[jid]
		if j.ArrayJobID != id {
			break // tasks have consecutive ids
		}
		out = append(out, j)
	}
	return out
}

// ArrayTask finds task task of array id, or nil.
func (m *Machine) ArrayTask(id JobID, task uint32) *Job {
	for _, j := range m.ArrayTasks(id) {
		if j.ArrayTaskID == task {
			return j
		}
	}
	return nil
}

func (m *Machine) orderIndex(id JobID) int {
	lo, hi := 0, len(m.order)
	for lo < hi {
		mid := (lo + hi) / 2
		if m.order[mid] < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
