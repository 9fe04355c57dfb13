// Throws an exception with two causes; the JVM prints `Caused by:` and `... N more`.
public class CausedBy {
  static void readConfig() {
    throw new IllegalArgumentException("bad value in config");
  }

  static void load() {
    try {
      readConfig();
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("could not load", e);
    }
  }

  public static void main(String[] args) {
    try {
      load();
    } catch (IllegalStateException e) {
      throw new RuntimeException("startup failed", e);
    }
  }
}
