package dev.detour.core.spend;

import dev.detour.api.model.Usage;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Budget spend kept in the data folder: read back by the next ledger, and one ledger per folder. */
class KeyLedgerStoreTest {
    @TempDir
    Path dir;
    final ManualClock clock = new ManualClock();

    GatewayConfig.Key key(Path data) {
        return new GatewayConfig.Key("team", ConfigLoader.sha256("sk"), null, 0, 0,
                new GatewayConfig.Budget(10, Duration.ofDays(30), data));
    }

    @Test
    void spend_is_read_back_by_the_next_ledger_on_the_same_folder() {
        KeyLedger first = KeyLedger.open(List.of(key(dir)), clock);
        Charge c = first.charge(first.state("team"), 10, 1);
        c.usage(Usage.of(10, 10), 2.5);
        first.settle(c);
        first.close();
        assertTrue(Files.exists(dir.resolve(SpendStore.FILE)));

        clock.advanceMillis(3_600_000);
        KeyLedger second = KeyLedger.open(List.of(key(dir)), clock);
        assertEquals(2.5, second.spent(second.state("team")), 1e-12);
        second.close();
    }

    @Test
    void a_second_ledger_cannot_open_a_folder_in_use() {
        KeyLedger first = KeyLedger.open(List.of(key(dir)), clock);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KeyLedger.open(List.of(key(dir)), clock));
        assertTrue(e.getMessage().startsWith("server.data_dir: cannot open the spend store"), e.getMessage());
        first.close();
    }

    @Test
    void without_a_budget_nothing_is_stored() {
        KeyLedger none = KeyLedger.open(List.of(new GatewayConfig.Key("k", ConfigLoader.sha256("sk"), null, 5)), clock);
        none.close();
        assertFalse(Files.exists(dir.resolve(SpendStore.FILE)));
    }
}
