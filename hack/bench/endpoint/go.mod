module statsigbench/endpoint

go 1.24
