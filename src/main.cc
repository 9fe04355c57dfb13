#include <malloc.h>

#include "app/app.h"

int main(int argc, char** argv) {
  // A fixed mmap threshold: glibc otherwise raises it to the largest block freed so far (up to
  // 32 MiB), after which batch arenas, read buffers and checkpoint writes come from the heap
  // and their pages are never given back. Fixed, blocks of 128 KiB and more are unmapped when
  // freed: -5 MiB peak RSS on the 300 MB collector corpus.
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  return logferry::app::main(argc, argv);
}
