package io.spillway.perf.launch;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child JVM that runs one of this project's main classes with this JVM's java, classpath
 * and module flags ({@code --add-opens}, {@code --add-exports}, {@code --enable-native-access}, as bin/spillway
 * set them), so a child sees exactly the code the bench runs.
 */
public final class JavaCommand {
    /** What the server needs when this JVM was not started by bin/spillway (tests, an IDE). */
    private static final List<String> DEFAULT_MODULE_FLAGS = List.of(
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");

    private JavaCommand() {
    }

    public static List<String> of(String mainClass, List<String> jvmOptions, List<String> args, Path tmpDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(moduleFlags());
        if (tmpDir != null) {
            cmd.add("-Djava.io.tmpdir=" + tmpDir);
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /**
     * This JVM's classpath; under surefire/failsafe the JVM runs from a manifest-only jar, so the real test
     * classpath is taken from {@code surefire.test.class.path}.
     */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /** This JVM's module flags, in the forms {@code --flag=value} and {@code --flag value}. */
    static List<String> moduleFlags() {
        List<String> in = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--enable-native-access")
                || a.startsWith("--add-modules")) {
                out.add(a);
                if (!a.contains("=") && i + 1 < in.size()) {
                    out.add(in.get(++i));
                }
            }
        }
        return out.isEmpty() ? DEFAULT_MODULE_FLAGS : out;
    }
}
