// raw_copy: the "limit" contender of the collector benchmark. Copies files byte for byte to one
// TCP connection on 127.0.0.1 (1 MiB read/write, no parsing): what any collector costs at least.
//
// usage: raw_copy PORT FILE...
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: raw_copy PORT FILE...\n");
    return 2;
  }
  int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    return 1;
  }
  std::vector<char> buf(1 << 20);
  for (int i = 2; i < argc; ++i) {
    int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::perror(argv[i]);
      return 1;
    }
    for (;;) {
      ssize_t r = read(fd, buf.data(), buf.size());
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        std::perror("read");
        return 1;
      }
      if (r == 0) break;
      for (ssize_t off = 0; off < r;) {
        ssize_t w = write(sock, buf.data() + off, static_cast<size_t>(r - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          std::perror("write");
          return 1;
        }
        off += w;
      }
    }
    close(fd);
  }
  shutdown(sock, SHUT_WR);
  close(sock);
  return 0;
}
