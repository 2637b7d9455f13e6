package dev.detour.wire.http;

import dev.detour.api.ErrorKind;

/**
 * The {@link ErrorKind} an HTTP status means when nothing else about the failure is known: the
 * one status rule every provider classifier starts from. A classifier looks at what its provider
 * documents first (error types and codes, message wording, provider-specific statuses such as
 * Anthropic's 529) and falls back to {@link #ofStatus(int)}, so each provider's real differences
 * read as explicit overrides in its own classifier:
 *
 * <pre>{@code
 * return switch (status) {
 *     case 529 -> ErrorKind.OVERLOADED;      // Anthropic's overloaded_error
 *     default -> ErrorKinds.ofStatus(status);
 * };
 * }</pre>
 *
 * <table>
 *   <caption>Rules (HTTP semantics, RFC 9110)</caption>
 *   <tr><th>status</th><th>kind</th></tr>
 *   <tr><td>400, 413, 415, 422</td><td>INVALID_REQUEST: the request itself is wrong</td></tr>
 *   <tr><td>401</td><td>AUTHENTICATION</td></tr>
 *   <tr><td>403</td><td>PERMISSION</td></tr>
 *   <tr><td>404, 405, 410</td><td>NOT_FOUND: the model, deployment or endpoint is not served by
 *       this target (405: an OpenAI-compatible server without that endpoint; 410: a retired model)</td></tr>
 *   <tr><td>408</td><td>TIMEOUT</td></tr>
 *   <tr><td>429</td><td>RATE_LIMITED</td></tr>
 *   <tr><td>any other 4xx</td><td>UNKNOWN: neither the request nor the target is known to be at
 *       fault, so it is handled like a server error (retried, then failed over) rather than returned
 *       to the client as the client's own fault</td></tr>
 *   <tr><td>503</td><td>OVERLOADED: the server is temporarily unable to handle the request</td></tr>
 *   <tr><td>any other 5xx</td><td>SERVER_ERROR</td></tr>
 *   <tr><td>anything else (0, 1xx, 2xx, 3xx)</td><td>UNKNOWN</td></tr>
 * </table>
 * Pure, stateless and thread-safe.
 */
public final class ErrorKinds {

    private ErrorKinds() {
    }

    /** The kind an HTTP status means by itself; never null. */
    public static ErrorKind ofStatus(int status) {
        return switch (status) {
            case 400, 413, 415, 422 -> ErrorKind.INVALID_REQUEST;
            case 401 -> ErrorKind.AUTHENTICATION;
            case 403 -> ErrorKind.PERMISSION;
            case 404, 405, 410 -> ErrorKind.NOT_FOUND;
            case 408 -> ErrorKind.TIMEOUT;
            case 429 -> ErrorKind.RATE_LIMITED;
            case 503 -> ErrorKind.OVERLOADED;
            default -> status >= 500 && status < 600 ? ErrorKind.SERVER_ERROR : ErrorKind.UNKNOWN;
        };
    }

    /** Whether {@code status} is a 4xx. */
    public static boolean isClientError(int status) {
        return status >= 400 && status < 500;
    }
}
