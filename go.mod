module github.com/flurm/flurm

go 1.26

require (
	github.com/google/go-cmp v0.7.0
	go.etcd.io/raft/v3 v3.7.0
	google.golang.org/protobuf v1.36.11
	pgregory.net/rapid v1.2.0
)

require (
	github.com/cockroachdb/datadriven v1.0.3
	github.com/pmezard/go-difflib v1.0.0 // indirect
)
