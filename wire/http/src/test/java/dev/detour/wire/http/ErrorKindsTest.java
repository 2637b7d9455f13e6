package dev.detour.wire.http;

import dev.detour.api.ErrorKind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorKindsTest {

    @Test
    void a_request_the_server_cannot_take_as_sent_is_invalid() {
        for (int status : new int[] {400, 413, 415, 422}) {
            assertEquals(ErrorKind.INVALID_REQUEST, ErrorKinds.ofStatus(status), String.valueOf(status));
        }
    }

    @Test
    void credentials_and_permission_are_told_apart() {
        assertEquals(ErrorKind.AUTHENTICATION, ErrorKinds.ofStatus(401));
        assertEquals(ErrorKind.PERMISSION, ErrorKinds.ofStatus(403));
    }

    @Test
    void a_missing_model_endpoint_or_retired_model_is_not_found() {
        assertEquals(ErrorKind.NOT_FOUND, ErrorKinds.ofStatus(404));
        assertEquals(ErrorKind.NOT_FOUND, ErrorKinds.ofStatus(405));
        assertEquals(ErrorKind.NOT_FOUND, ErrorKinds.ofStatus(410));
    }

    @Test
    void request_timeout_and_rate_limit_have_their_kinds() {
        assertEquals(ErrorKind.TIMEOUT, ErrorKinds.ofStatus(408));
        assertEquals(ErrorKind.RATE_LIMITED, ErrorKinds.ofStatus(429));
    }

    @Test
    void an_unlisted_4xx_is_unknown_so_it_still_fails_over() {
        for (int status : new int[] {402, 409, 418, 451}) {
            ErrorKind kind = ErrorKinds.ofStatus(status);
            assertEquals(ErrorKind.UNKNOWN, kind, String.valueOf(status));
            assertTrue(kind.failover());
            assertFalse(kind.clientFault());
        }
    }

    @Test
    void a_503_is_overload_and_every_other_5xx_a_server_error() {
        assertEquals(ErrorKind.OVERLOADED, ErrorKinds.ofStatus(503));
        for (int status : new int[] {500, 502, 504, 529, 599}) {
            assertEquals(ErrorKind.SERVER_ERROR, ErrorKinds.ofStatus(status), String.valueOf(status));
        }
    }

    @Test
    void a_status_that_is_not_an_error_is_unknown() {
        for (int status : new int[] {0, 100, 200, 302, 600}) {
            assertEquals(ErrorKind.UNKNOWN, ErrorKinds.ofStatus(status), String.valueOf(status));
        }
    }

    @Test
    void client_errors_are_the_4xx() {
        assertTrue(ErrorKinds.isClientError(400));
        assertTrue(ErrorKinds.isClientError(499));
        assertFalse(ErrorKinds.isClientError(399));
        assertFalse(ErrorKinds.isClientError(500));
    }
}
