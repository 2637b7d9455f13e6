package dev.detour.core.envelope;

import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.TargetRuntime;

/**
 * The compliance envelope as an invariant at dispatch: validation already refuses a route target
 * outside it, and the engine asks this guard again right before every call, so no strategy,
 * override or plugin bug can reach a provider, region or category outside it.
 */
public final class EnvelopeGuard {
    private final GatewayConfig.Envelope envelope;

    public EnvelopeGuard(GatewayConfig.Envelope envelope) {
        this.envelope = envelope;
    }

    /** Why the target is outside the envelope, or null when it may be called. */
    public String outside(TargetRuntime target) {
        return ConfigLoader.outsideEnvelope(envelope, target.providerConfig());
    }
}
