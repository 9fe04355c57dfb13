// Not run here (no Go toolchain on the build machine): go_worker.txt is what `go run .`
// prints for this program, written from Go's documented panic output (a goroutine's
// panic, re-panicked in a deferred func: `[recovered]`, `panic(...)` frame, `created by`).
package main

import (
	"fmt"
	"time"
)

type Server struct{ id int }

func (s *Server) handle(job int) {
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Sprintf("worker %d failed again", s.id))
		}
	}()
	panic(fmt.Sprintf("worker %d failed", s.id))
}

func main() {
	go (&Server{id: 3}).handle(1)
	time.Sleep(time.Second)
}
