// Unbounded recursion: the JVM prints a StackOverflowError with 1024 frames (its default
// -XX:MaxJavaStackTraceDepth), more than multiline's default max_lines of 500.
public class Overflow {
  static int depth(int n) {
    return depth(n + 1) + 1;
  }

  public static void main(String[] args) {
    depth(0);
  }
}
