package dev.detour.plugin.cache.semantic;

import dev.langchain4j.model.embedding.EmbeddingModel;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sentence-embedding model shipped inside this plugin: all-MiniLM-L6-v2, quantised (ONNX,
 * 384 dimensions, Apache-2.0), run in process by ONNX Runtime with the Hugging Face tokenizer.
 * Loaded once per JVM on first use (about a second), from this jar: nothing is downloaded.
 *
 * <p>Both runtimes are native libraries that the JVM lets one class loader load: this class is
 * loaded by the plugin's class loader, which PF4J creates once per process, so every route's
 * semantic cache shares the one model. The tokenizer unpacks its library into DJL's engine cache
 * directory, which defaults to the user's home: unless the operator set {@code ENGINE_CACHE_DIR},
 * it goes under {@code $DETOUR_HOME/data/native} when that is writable, else under
 * {@code java.io.tmpdir}.
 */
final class LocalModel {
    /** The model's name, as reported. */
    static final String NAME = "all-MiniLM-L6-v2 (quantised)";

    private static volatile EmbeddingModel model;
    private static volatile long loadMillis = -1;

    private LocalModel() {
    }

    /**
     * The model, loading it on the first call (blocking: call on a worker). Its tokenizer unpacks
     * a native library under {@code dataDir/native} (or the temporary directory when null).
     */
    static EmbeddingModel get(Path dataDir) {
        EmbeddingModel m = model;
        if (m == null) {
            synchronized (LocalModel.class) {
                m = model;
                if (m == null) {
                    long t0 = System.nanoTime();
                    nativeDir(dataDir);
                    // LangChain4j reads the model and tokenizer files through the thread's context class
                    // loader: on a gateway's worker that is the application's, which cannot see this jar.
                    Thread t = Thread.currentThread();
                    ClassLoader before = t.getContextClassLoader();
                    t.setContextClassLoader(LocalModel.class.getClassLoader());
                    try {
                        m = new dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel(
                                Runnable::run);
                        m.embed("warm up");
                    } finally {
                        t.setContextClassLoader(before);
                    }
                    loadMillis = (System.nanoTime() - t0) / 1_000_000;
                    model = m;
                }
            }
        }
        return m;
    }

    /** The embedding of {@code text}, as a unit vector (blocking: call on a worker). */
    static float[] embed(String text) {
        return Embedder.normalize(get(null).embed(text).content().vector());
    }

    /** How long loading took, or -1 before it did. */
    static long loadMillis() {
        return loadMillis;
    }

    private static void nativeDir(Path dataDir) {
        if (System.getProperty("ENGINE_CACHE_DIR") != null || System.getenv("ENGINE_CACHE_DIR") != null) {
            return;
        }
        Path dir = null;
        if (dataDir != null) {
            Path d = dataDir.resolve("native");
            try {
                Files.createDirectories(d);
                if (Files.isWritable(d)) {
                    dir = d;
                }
            } catch (Exception ignored) {
                // not writable: fall back to the temporary directory
            }
        }
        if (dir == null) {
            dir = Path.of(System.getProperty("java.io.tmpdir"), "detour-native-" + System.getProperty("user.name", "user"));
        }
        System.setProperty("ENGINE_CACHE_DIR", dir.toAbsolutePath().toString());
    }
}
