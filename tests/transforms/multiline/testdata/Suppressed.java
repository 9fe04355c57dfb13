// try-with-resources whose close() throws: the JVM prints `Suppressed:` blocks (indented),
// one of which has its own `Caused by:`.
public class Suppressed {
  static class Res implements AutoCloseable {
    final String name;

    Res(String name) { this.name = name; }

    @Override
    public void close() {
      throw new IllegalStateException("close " + name,
                                      new java.io.UncheckedIOException(new java.io.IOException("disk gone")));
    }
  }

  public static void main(String[] args) {
    try (Res a = new Res("a"); Res b = new Res("b")) {
      throw new RuntimeException("body failed");
    }
  }
}
