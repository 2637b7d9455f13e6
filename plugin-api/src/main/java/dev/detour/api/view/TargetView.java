package dev.detour.api.view;

import java.util.Map;

/**
 * One target of a route: a provider (endpoint with credentials) and a model, with the labels the
 * envelope and region-aware routing use, and a live view of its health.
 */
public interface TargetView {

    /** {@code provider/model}, unique in the gateway. */
    String id();

    /** The provider's name as configured under {@code providers:}. */
    String provider();

    /** The provider adapter's type ({@code openai}, {@code anthropic}, ...). */
    String providerType();

    /** The model name sent to the provider. */
    String model();

    /** The provider's region label, or "" when none. */
    String region();

    /** The provider's category label ({@code closed}, {@code open}, {@code self-hosted}), or "". */
    String category();

    /** The target's weight for weighted strategies (default 1). */
    double weight();

    /** USD per million input tokens, or -1 when unknown. */
    double inputPricePerMTok();

    /** USD per million output tokens, or -1 when unknown. */
    double outputPricePerMTok();

    /** Free-form labels (provider labels plus region and category). */
    Map<String, String> labels();

    /** The live health of this target. */
    TargetHealth health();
}
