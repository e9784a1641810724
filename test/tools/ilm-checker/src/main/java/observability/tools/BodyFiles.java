package observability.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the checkers share: each argument is a file holding one request body, named
 * {@code <prefix><name>.json}; each gets one line on stdout, {@code OK <file>} (followed by what
 * the check returns, when it returns something) or {@code INVALID <file>: <message>} with the
 * message Elasticsearch would answer. The exit status is 1 when a file is invalid and 2 on a
 * usage or read error.
 */
final class BodyFiles {
  private static final String SUFFIX = ".json";

  /** One body's check: what to print after {@code OK <file>}, or Elasticsearch's error. */
  interface Check {
    String check(String file, String name, byte[] body) throws Exception;
  }

  private BodyFiles() {}

  static void run(String[] args, String usage, String prefix, Check check) {
    if (args.length == 0) {
      System.err.println(usage);
      System.exit(2);
    }
    int status = 0;
    for (String arg : args) {
      byte[] body;
      try {
        body = Files.readAllBytes(Path.of(arg));
      } catch (IOException e) {
        System.out.println("ERROR " + arg + ": cannot read: " + e);
        status = 2;
        continue;
      }
      try {
        String result = check.check(arg, name(Path.of(arg), prefix), body);
        System.out.println("OK " + arg + (result.isEmpty() ? "" : " " + result));
      } catch (Exception e) {
        System.out.println("INVALID " + arg + ": " + describe(e));
        status = Math.max(status, 1);
      }
    }
    System.exit(status);
  }

  /** The name in the request path: the file name without the prefix and {@code .json}. */
  static String name(Path file, String prefix) {
    String name = file.getFileName().toString();
    if (name.startsWith(prefix)) name = name.substring(prefix.length());
    if (name.endsWith(SUFFIX)) name = name.substring(0, name.length() - SUFFIX.length());
    return name;
  }

  /** The message and its causes, as the {@code reason}s of Elasticsearch's nested {@code caused_by}. */
  static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
    String last = e.getMessage();
    for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      String message = String.valueOf(cause.getMessage());
      if (!message.equals(last)) text.append("; caused by: ").append(message);
      last = message;
    }
    return text.toString().replace('\n', ' ');
  }
}
