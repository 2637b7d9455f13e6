package dev.detour.plugin.simulator;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/**
 * What one endpoint name has received since the simulator started (or its stats were reset).
 * Every call counts, including calls closed by {@code down} (which have no status).
 *
 * @param name        the endpoint name
 * @param calls       calls received
 * @param byStatus    answers by HTTP status (as a string, e.g. {@code "503"})
 * @param downCloses  calls whose connection was closed by {@code down}
 */
public record Stats(@JsonProperty("name") String name,
                    @JsonProperty("calls") long calls,
                    @JsonProperty("by_status") Map<String, Long> byStatus,
                    @JsonProperty("down_closes") long downCloses) {
    public Stats {
        byStatus = byStatus == null ? Map.of() : Map.copyOf(byStatus);
    }

    /** How many answers had this status. */
    public long count(int status) {
        return byStatus.getOrDefault(Integer.toString(status), 0L);
    }
}
