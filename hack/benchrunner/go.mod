module github.com/statsig-operator/statsig-operator/hack/benchrunner

go 1.26.0

require (
	github.com/statsig-operator/statsig-operator v0.0.0
	statsigbench/peers/goharness v0.0.0
)

require (
	github.com/dlclark/regexp2 v1.11.5 // indirect
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/klauspost/compress v1.19.0 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.3-0.20250322232337-35a7c28c31ee // indirect
)

replace (
	github.com/statsig-operator/statsig-operator => ../..
	statsigbench/peers/goharness => ../bench/peers/goharness
)
