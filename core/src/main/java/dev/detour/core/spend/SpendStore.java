package dev.detour.core.spend;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where budget spend outlives the process: one H2 MVStore file, {@code spend.mv.db} in
 * {@code server.data_dir}, mapping each key's name to its {@link SpendWindow#encode encoded}
 * spend. MVStore is a small, well-kept embedded store with atomic commits, so a crash mid-write
 * leaves the last commit readable. It locks its file: a second gateway on the same folder
 * refuses to start rather than corrupt it.
 *
 * <p>Every method does file I/O: call it off the event loop (at start-up, or on a worker), from
 * one thread at a time.
 */
public final class SpendStore implements AutoCloseable {
    /** The file's name in the data folder. */
    public static final String FILE = "spend.mv.db";

    private final MVStore store;
    private final MVMap<String, String> spend;

    private SpendStore(MVStore store) {
        this.store = store;
        this.spend = store.openMap("spend");
    }

    /**
     * Opens (creating when missing) the store in {@code dir}.
     *
     * @throws IllegalStateException naming the folder when it cannot be created or the file opened
     *                               (another gateway holds it, it is not a store, no permission)
     */
    public static SpendStore open(Path dir) {
        try {
            Files.createDirectories(dir);
            return new SpendStore(new MVStore.Builder().fileName(dir.resolve(FILE).toString()).autoCommitDisabled()
                    .open());
        } catch (IOException | MVStoreException e) {
            throw new IllegalStateException("server.data_dir: cannot open the spend store " + dir.resolve(FILE)
                    + " (" + e.getMessage() + "); is another gateway using this folder?", e);
        }
    }

    /** Every key's stored spend, by key name. */
    public Map<String, String> load() {
        return new HashMap<>(spend);
    }

    /** Writes {@code entries} (key name to encoded spend) in one commit. */
    public void save(Map<String, String> entries) {
        if (entries.isEmpty()) {
            return;
        }
        spend.putAll(entries);
        store.commit();
    }

    @Override
    public void close() {
        store.close();
    }
}
