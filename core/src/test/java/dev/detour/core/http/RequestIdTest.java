package dev.detour.core.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"abc", "req_0123abcdef", "5f0c6a8e-3b1d-4a4e-9a53-1d2b1a8c7e10",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"})
    void plain_ids_are_kept(String id) {
        assertTrue(RequestIds.isPlainRequestId(id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "abc\r\nx-evil: 1", "a\u0000b", "abc\",\"status\":200,\"target\":\"forged",
            "back\\slash", "caf\u00e9", "tab\there"})
    void ids_that_could_forge_a_header_or_a_log_entry_are_replaced(String id) {
        assertFalse(RequestIds.isPlainRequestId(id));
    }

    @org.junit.jupiter.api.Test
    void an_overlong_id_is_replaced() {
        assertTrue(RequestIds.isPlainRequestId("x".repeat(RequestIds.MAX_REQUEST_ID_LENGTH)));
        assertFalse(RequestIds.isPlainRequestId("x".repeat(RequestIds.MAX_REQUEST_ID_LENGTH + 1)));
        assertFalse(RequestIds.isPlainRequestId(null));
    }
}
