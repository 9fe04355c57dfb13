// Not run here (no Go toolchain on the build machine): go_nil_map.txt is what `go run .`
// prints for this program, written from Go's documented panic output.
package main

var settings map[string]string

func register(key, value string) {
	settings[key] = value // assignment to entry in nil map
}

func main() {
	register("mode", "fast")
}
