package dev.detour.plugin.routing.adaptive;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Locale;

/**
 * Options of {@code strategy: {type: latency}}.
 *
 * <pre>{@code
 * strategy:
 *   type: latency
 *   metric: latency        # latency (p50 total), ttft (p50 time to first token) or auto (ttft for streams)
 *   tie_band: 0.2          # targets within 20% of the fastest share the traffic at random
 *   explore_share: 0.05    # share of requests sent first to a target outside the band (unknown ones first)
 * }</pre>
 *
 * @param metric       {@code latency}, {@code ttft} or {@code auto}; default {@value #DEFAULT_METRIC}
 * @param tieBand      relative band above the fastest within which targets count as equally fast;
 *                     default {@value #DEFAULT_TIE_BAND}, at least 0
 * @param exploreShare probability that a request tries a target outside the band first, so unknown
 *                     and slower targets keep fresh measurements; default {@value #DEFAULT_EXPLORE_SHARE},
 *                     within 0..1
 */
public record LatencyOptions(@JsonProperty("metric") String metric,
                             @JsonProperty("tie_band") Double tieBand,
                             @JsonProperty("explore_share") Double exploreShare) {

    public static final String DEFAULT_METRIC = "latency";
    public static final double DEFAULT_TIE_BAND = 0.2;
    public static final double DEFAULT_EXPLORE_SHARE = 0.05;

    public LatencyOptions {
        metric = metric == null ? DEFAULT_METRIC : metric.trim().toLowerCase(Locale.ROOT);
        if (!metric.equals("latency") && !metric.equals("ttft") && !metric.equals("auto")) {
            throw new IllegalArgumentException("metric must be latency, ttft or auto, was '" + metric + "'");
        }
        tieBand = tieBand == null ? DEFAULT_TIE_BAND : tieBand;
        if (!(tieBand >= 0) || Double.isInfinite(tieBand)) {
            throw new IllegalArgumentException("tie_band must be a number of at least 0, was " + tieBand);
        }
        exploreShare = exploreShare == null ? DEFAULT_EXPLORE_SHARE : exploreShare;
        if (!(exploreShare >= 0 && exploreShare <= 1)) {
            throw new IllegalArgumentException("explore_share must be within 0..1, was " + exploreShare);
        }
    }

    /** Every option at its default. */
    public static LatencyOptions defaults() {
        return new LatencyOptions(null, null, null);
    }
}
