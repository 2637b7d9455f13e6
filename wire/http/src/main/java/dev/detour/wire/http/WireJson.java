package dev.detour.wire.http;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON mapper of the wire modules and of the adapters built on them: one configured instance
 * (fast number parsing), thread-safe and shared, so that no codec pays for building its own.
 */
public final class WireJson {
    /** The shared mapper. Never reconfigure it. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
            .build();

    private WireJson() {
    }
}
