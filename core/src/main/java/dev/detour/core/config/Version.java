package dev.detour.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Detour's version, as the build wrote it ({@code dev} when run from classes the build did not package). */
public final class Version {
    private static final String VERSION = read();

    private Version() {
    }

    /** The version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/detour/core/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
