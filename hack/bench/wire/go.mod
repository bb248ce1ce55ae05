module statsigbench/wire

go 1.24

require (
	github.com/andybalholm/brotli v1.2.0
	github.com/klauspost/compress v1.19.0
)
