package dev.detour.plugin.detectors;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.detour.api.Clock;
import dev.detour.api.detector.DetectorContext;
import dev.detour.api.detector.DetectorFactory;
import org.junit.jupiter.api.Test;
import org.pf4j.Extension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Binds options the way core does (strict, snake_case) and checks each factory's declaration. */
class OptionsBindingTest {

    /** The same settings as core's OptionsBinder. */
    private static final ObjectMapper CORE_LIKE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    private static <O> O bind(String json, Class<O> type) throws Exception {
        return CORE_LIKE.readValue(json, type);
    }

    @Test
    void an_empty_block_binds_every_default() throws Exception {
        assertEquals(LatencyOptions.defaults(), bind("{}", LatencyOptions.class));
        assertEquals(ErrorsOptions.defaults(), bind("{}", ErrorsOptions.class));
        assertEquals(TokensOptions.defaults(), bind("{}", TokensOptions.class));
        assertEquals(QualityOptions.defaults(), bind("{}", QualityOptions.class));
        assertEquals(FeedbackOptions.defaults(), bind("{}", FeedbackOptions.class));
        LatencyOptions l = LatencyOptions.defaults();
        assertEquals(List.of(20, 10, 2.0, 2.5, 20, 0.05, 2.0, 100.0),
                List.of(l.minSamples(), l.window(), l.degradedRatio(), l.unhealthyRatio(), l.tokenOffset(),
                        l.learningRate(), l.fastMsPerToken(), l.fastTtftMs()));
        assertEquals(500.0, TokensOptions.defaults().fastTokensPerS());
        ErrorsOptions e = ErrorsOptions.defaults();
        assertEquals(20_000_000_000L, e.windowTimeNanos());
    }

    @Test
    void snake_case_keys_bind() throws Exception {
        LatencyOptions l = bind("{\"min_samples\": 5, \"window\": 4, \"degraded_ratio\": 1.5, \"unhealthy_ratio\": 2,"
                + " \"token_offset\": 8, \"learning_rate\": 0.1, \"fast_ms_per_token\": 0.5, \"fast_ttft_ms\": 20}",
                LatencyOptions.class);
        assertEquals(new LatencyOptions(5, 4, 1.5, 2.0, 8, 0.1, 0.5, 20.0), l);
        ErrorsOptions e = bind("{\"window\": 30, \"window_time\": \"1m\", \"min_samples\": 5, \"burst_weight\": 3,"
                + " \"tolerated_rate\": 0.02, \"degraded_rate\": 0.05, \"unhealthy_rate\": 0.2}", ErrorsOptions.class);
        assertEquals(60_000_000_000L, e.windowTimeNanos());
        assertEquals(3.0, e.burstWeight());
        QualityOptions q = bind("{\"checks\": [\"empty\", \"refusal\"], \"refusal_patterns\": [\"no way\"],"
                + " \"max_repetition\": 0.6, \"window_time\": \"500ms\"}", QualityOptions.class);
        assertEquals(List.of("empty", "refusal"), q.checks());
        assertEquals(List.of("no way"), q.refusalPatterns());
        TokensOptions t = bind("{\"slow_degraded_ratio\": 3, \"slow_unhealthy_ratio\": 5, \"fast_tokens_per_s\": 2000}",
                TokensOptions.class);
        assertEquals(3.0, t.slowDegradedRatio());
        assertEquals(2000.0, t.fastTokensPerS());
        FeedbackOptions f = bind("{\"min_feedback\": 2, \"degraded_score\": -0.5, \"unhealthy_score\": -0.8}",
                FeedbackOptions.class);
        assertEquals(2, f.minFeedback());
    }

    @Test
    void unknown_keys_and_bad_values_are_errors_naming_the_field() {
        assertThrows(Exception.class, () -> bind("{\"minSamples\": 5}", LatencyOptions.class));
        assertMessage("unhealthy_ratio must be greater than degraded_ratio",
                () -> bind("{\"degraded_ratio\": 3, \"unhealthy_ratio\": 2}", LatencyOptions.class));
        assertMessage("window must be at least 1", () -> bind("{\"window\": 0}", LatencyOptions.class));
        assertMessage("window_time must be a duration", () -> bind("{\"window_time\": \"20\"}", ErrorsOptions.class));
        assertMessage("checks: unknown check 'spelling'",
                () -> bind("{\"checks\": [\"spelling\"]}", QualityOptions.class));
        assertMessage("unhealthy_score must be below degraded_score",
                () -> bind("{\"unhealthy_score\": -0.1}", FeedbackOptions.class));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable bind) {
        Exception e = assertThrows(Exception.class, bind);
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains(expected), root.getMessage());
    }

    @Test
    void each_factory_is_an_extension_with_its_type_and_options() {
        DetectorContext ctx = new DetectorContext("support", Clock.SYSTEM);
        check(new LatencyDetectorFactory(), "latency", LatencyOptions.class, LatencyOptions.defaults(), ctx);
        check(new ErrorsDetectorFactory(), "errors", ErrorsOptions.class, ErrorsOptions.defaults(), ctx);
        check(new TokensDetectorFactory(), "tokens", TokensOptions.class, TokensOptions.defaults(), ctx);
        check(new QualityDetectorFactory(), "quality", QualityOptions.class, QualityOptions.defaults(), ctx);
        check(new FeedbackDetectorFactory(), "feedback", FeedbackOptions.class, FeedbackOptions.defaults(), ctx);
    }

    private static <O> void check(DetectorFactory<O> f, String type, Class<O> options, O defaults,
                                  DetectorContext ctx) {
        assertEquals(type, f.type());
        assertEquals(options, f.optionsType());
        assertNotNull(f.getClass().getAnnotation(Extension.class), f.getClass().getName());
        assertNotNull(f.create(defaults, ctx));
    }
}
