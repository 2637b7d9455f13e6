package dev.detour.core.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code detour demo}: the gateway on the embedded default, steady traffic, and a scripted incident. */
final class Demo {
    private final PrintStream out;
    private final PrintStream err;
    private final Path home;

    Demo(PrintStream out, PrintStream err, Path home) {
        this.out = out;
        this.err = err;
        this.home = home;
    }

    int run(List<String> args) {
        err.println("detour demo: not built yet");
        return 1;
    }
}
