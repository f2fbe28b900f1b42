// Package bench compares Custos with peer libraries in one benchmark run. It
// is a separate module so that the peers never enter the library's module
// graph. Run it from this directory:
//
//	go test -run '^$' -bench . -count 6 . | tee /tmp/bench.txt
//	benchstat -col /impl /tmp/bench.txt
package bench
