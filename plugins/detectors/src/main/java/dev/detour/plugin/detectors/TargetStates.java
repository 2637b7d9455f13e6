package dev.detour.plugin.detectors;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A detector's per-target state, keyed by target id and bounded: past {@link #MAX_TARGETS} ids
 * the least recently observed target's state is dropped (it starts neutral again if it comes
 * back). Target ids include the models clients name in direct calls ({@code provider/model}), so
 * an unbounded map would grow with whatever clients send; configured routes have a handful.
 * Thread-safe; the lock is held only for the lookup.
 */
final class TargetStates<S> {

    /** Far more targets than any configuration has, few enough to bound the memory. */
    static final int MAX_TARGETS = 4096;

    private final int max;
    private final Supplier<S> create;
    private final Map<String, S> states;

    /** @param create makes a new target's state */
    TargetStates(Supplier<S> create) {
        this(create, MAX_TARGETS);
    }

    TargetStates(Supplier<S> create, int max) {
        this.max = max;
        this.create = create;
        this.states = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, S> eldest) {
                return size() > TargetStates.this.max;
            }
        };
    }

    /** The state of {@code targetId}, created when absent. */
    synchronized S get(String targetId) {
        S s = states.get(targetId);
        if (s == null) {
            s = create.get();
            states.put(targetId, s);
        }
        return s;
    }

    synchronized int size() {
        return states.size();
    }
}
