package state

import "fmt"

// legal lists Slurm's job state machine as FLURM implements it: the states a
// job may move to from each state. Requeue is RUNNING -> PENDING with a new
// attempt. Anything else is a bug in Apply, so mustTransition panics: a
// replica must stop rather than diverge silently.
var legal = map[JobState][]JobState{
	JobPending:   {JobRunning, JobCancelled, JobFailed},
	JobRunning:   {JobPending, JobSuspended, JobCompleted, JobCancelled, JobFailed, JobTimeout, JobNodeFail, JobPreempted, JobOOM},
	JobSuspended: {JobRunning, JobCancelled, JobFailed, JobNodeFail, JobTimeout, JobPending},
}

// LegalTransition reports whether a job may move from one state to another.
func LegalTransition(from, to JobState) bool {
	for _, s := range legal[from] {
		if s == to {
			return true
		}
	}
	return false
}

func mustTransition(from, to JobState) {
	if !LegalTransition(from, to) {
		panic(fmt.Sprintf("state: illegal job transition %v -> %v", from, to))
	}
}

// transition checks a job state change against the state machine and tells
// the observer. The caller assigns the new state.
func (m *Machine) transition(j *Job, to JobState) {
	mustTransition(j.State, to)
	if m.OnTransition != nil {
		m.OnTransition(j.ID, j.State, to)
	}
}
