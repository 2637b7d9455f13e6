package dev.detour.core.spend;

import dev.detour.api.model.Usage;
import dev.detour.core.config.GatewayConfig;

/**
 * A target's {@code pricing:} in USD per million tokens, and what an answer costs by it.
 *
 * @param inputPerMTok       prompt tokens not read from the provider's cache
 * @param outputPerMTok      completion tokens (reasoning included: providers count them as output)
 * @param cachedInputPerMTok prompt tokens read from the provider's prompt cache
 */
public record Pricing(double inputPerMTok, double outputPerMTok, double cachedInputPerMTok) {
    /** A target without {@code pricing:}: its answers cost nothing Detour can count. */
    public static final Pricing NONE = new Pricing(0, 0, 0);

    /** The target's configured pricing, or {@link #NONE}; cached input defaults to the input price. */
    public static Pricing of(GatewayConfig.Target t) {
        if (t.inputPerMTok() < 0 && t.outputPerMTok() < 0) {
            return NONE;
        }
        double in = Math.max(0, t.inputPerMTok());
        return new Pricing(in, Math.max(0, t.outputPerMTok()), t.cachedInputPerMTok() < 0 ? in : t.cachedInputPerMTok());
    }

    /** Whether the target has {@code pricing:} (then answers carry {@code x-detour-cost-usd}). */
    public boolean priced() {
        return this != NONE;
    }

    /**
     * What {@code usage} costs: prompt tokens not from the cache at the input price, cached ones at
     * the cached-input price, completion tokens at the output price. {@link Usage#promptTokens()}
     * includes the cached tokens, as every adapter reports it.
     */
    public double cost(Usage usage) {
        int cached = Math.min(Math.max(0, usage.cachedTokens()), Math.max(0, usage.promptTokens()));
        return ((double) (usage.promptTokens() - cached) * inputPerMTok + (double) cached * cachedInputPerMTok
                + (double) usage.completionTokens() * outputPerMTok) / 1e6;
    }

    /** What {@code input} prompt and {@code output} completion tokens cost, none of them cached. */
    public double cost(long input, long output) {
        return ((double) input * inputPerMTok + (double) output * outputPerMTok) / 1e6;
    }

    /** A cost as {@code x-detour-cost-usd} and the access log write it: plain decimal, 10 places at most. */
    public static String format(double usd) {
        return java.math.BigDecimal.valueOf(usd).setScale(10, java.math.RoundingMode.HALF_UP).stripTrailingZeros()
                .toPlainString();
    }
}
