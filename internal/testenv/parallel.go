package testenv

import (
	"cmp"
	"sync"
)

// Parallel runs fn(0..n-1) on workers goroutines and returns the first error; after an error
// the remaining indexes are skipped. Benchmarks fill hubs with it.
func Parallel(workers, n int, fn func(i int) error) error {
	next := make(chan int)
	var mu sync.Mutex
	var first error
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if failed() {
					continue
				}
				if err := fn(i); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
