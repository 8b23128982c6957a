package state

import (
	"errors"
	"slices"
	"testing"
)

func TestParseArray(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []uint32
		err  error
	}{
		{"1-10", []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, nil},
		{"0-15:4", []uint32{0, 4, 8, 12}, nil},
		{"1,3,5-7", []uint32{1, 3, 5, 6, 7}, nil},
		{"5,1,5", []uint32{1, 5}, nil},
		{"1-3%2", nil, ErrArrayUnsupported},
		{"", nil, ErrArrayMalformed},
		{"3-1", nil, ErrArrayMalformed},
		{"1-4:0", nil, ErrArrayMalformed},
		{"4:2", nil, ErrArrayMalformed},
		{"x", nil, ErrArrayMalformed},
		{"1001", nil, ErrArrayMalformed},
		{"0-1000", nil, nil},
	} {
		got, err := ParseArray(tc.in, DefaultMaxArraySize)
		if !errors.Is(err, tc.err) || (tc.want != nil && !slices.Equal(got, tc.want)) {
			t.Errorf("ParseArray(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if s := FormatArray([]uint32{1, 3, 5, 6, 7}); s != "1,3,5-7" {
		t.Errorf("FormatArray = %q", s)
	}
}

func TestArraySubmitAndCancel(t *testing.T) {
	m, err := New(testCluster(2))
	if err != nil {
		t.Fatal(err)
	}
	m.Apply(Submit{Time: 1, Spec: JobSpec{UID: 1000, Script: "x"}}) // job 1, not an array
	sub := Submit{Client: "c", Seq: 1, Time: 2, Spec: JobSpec{UID: 1000, Script: "x", ArrayTasks: []uint32{1, 3, 5}}}
	res := m.Apply(sub)
	if res.Err != nil || res.Job != 2 || m.NextJobID() != 5 {
		t.Fatalf("array submit: %+v next %d", res, m.NextJobID())
	}
	if again := m.Apply(sub); again.Job != 2 || m.NextJobID() != 5 {
		t.Fatalf("retried array submit: %+v", again)
	}
	var tasks []uint32
	for _, j := range m.ArrayTasks(2) {
		tasks = append(tasks, j.ArrayTaskID)
		if j.ArrayJobID != 2 || j.Spec.ArrayTasks != nil {
			t.Errorf("task %d: %+v", j.ID, j)
		}
	}
	if !slices.Equal(tasks, []uint32{1, 3, 5}) || m.ArrayTask(2, 3).ID != 3 || m.ArrayTasks(1) != nil {
		t.Fatalf("tasks %v", tasks)
	}
	if r := m.Apply(Submit{Time: 3, Spec: JobSpec{UID: 1000, Script: "x", ArrayTasks: []uint32{8}}}); r.Err == nil || r.Err.Code != ErrInvalidArray {
		t.Errorf("task id at MaxArraySize accepted: %+v", r)
	}
	if r := m.Apply(Cancel{ID: 3, Time: 4, UID: 1000}); r.Err != nil || m.Job(2).State != JobPending || m.Job(3).State != JobCancelled {
		t.Fatalf("cancel of one task: %+v", r)
	}
	if r := m.Apply(Cancel{ID: 2, Time: 5, UID: 1001, Array: true}); r.Err == nil || r.Err.Code != ErrAccessDenied {
		t.Fatalf("cancel by another user: %+v", r)
	}
	if r := m.Apply(Cancel{ID: 2, Time: 5, UID: 1000, Array: true}); r.Err != nil || m.Job(2).State != JobCancelled || m.Job(4).State != JobCancelled || m.Job(1).State != JobPending {
		t.Fatalf("cancel of the array: %+v", r)
	}
	full, _ := New(Cluster{Options: Options{MaxJobCount: 3}, Nodes: testCluster(1).Nodes, Partitions: testCluster(1).Partitions})
	if r := full.Apply(Submit{Spec: JobSpec{Script: "x", ArrayTasks: []uint32{0, 1, 2, 3}}}); r.Err == nil || r.Err.Code != ErrTooManyJobs || full.NumJobs() != 0 {
		t.Fatalf("array above MaxJobCount: %+v", r)
	}
}
