module github.com/statsig-operator/statsig-operator/hack/benchrunner

go 1.26.0

require (
	github.com/statsig-operator/statsig-operator v0.0.0
	statsigbench/peers/goharness v0.0.0
)

require (
	github.com/dlclark/regexp2 v1.11.5 // indirect
	github.com/klauspost/compress v1.19.0 // indirect
)

replace (
	github.com/statsig-operator/statsig-operator => ../..
	statsigbench/peers/goharness => ../../../shared/bench/peers/goharness
)
