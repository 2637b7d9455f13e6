package dev.detour.core.spend;

import dev.detour.api.model.Usage;

/**
 * What one admitted request holds against its key's {@code limits.tpm} and {@code budget}: the
 * estimate counted at admission, and what the answer really used, settled once when the request
 * ends ({@link KeyLedger#settle}). With usage reported, the usage counts; an answer served without
 * usage keeps its estimate; a request that reached no upstream answer (refused, failed, served from
 * the cache) counts nothing.
 *
 * <p>Confined to the gateway's event loop.
 */
public final class Charge {
    final KeyLedger.KeyState key;
    final long estimatedTokens;
    /** The tpm slot the estimate was counted in, or -1 without {@code limits.tpm}. */
    final long tpmSlot;
    final double reservedUsd;
    private double cost;
    private long tokens;
    private boolean usage;
    private boolean served;
    private boolean settled;

    Charge(KeyLedger.KeyState key, long estimatedTokens, long tpmSlot, double reservedUsd) {
        this.key = key;
        this.estimatedTokens = estimatedTokens;
        this.tpmSlot = tpmSlot;
        this.reservedUsd = reservedUsd;
    }

    /** An upstream's answer started (a stream committed, a whole answer arrived). */
    public void served() {
        served = true;
    }

    /** An answer's usage (a stream resumed on another target reports one per target), costing {@code usd}. */
    public void usage(Usage u, double usd) {
        served = true;
        usage = true;
        cost += usd;
        tokens += (long) u.promptTokens() + u.completionTokens();
    }

    /** What is settled: the usage's cost, else the estimate for an answer served without one, else 0. */
    double cost() {
        return usage ? cost : served ? reservedUsd : 0;
    }

    long tokens() {
        return usage ? tokens : served ? estimatedTokens : 0;
    }

    /** Marks it settled; false when it already was. */
    boolean settle() {
        if (settled) {
            return false;
        }
        settled = true;
        return true;
    }
}
