package dev.detour.wire.http;

import dev.detour.api.provider.ProviderAdapter;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.Message;

import java.util.List;

/**
 * Checks an adapter makes before it builds an upstream request, shared so that every provider
 * refuses the same client errors in the same way: as a {@link ProviderException} of kind
 * {@link ErrorKind#INVALID_REQUEST} with status 0, which core answers with 400
 * {@code invalid_request} and the message, without calling the upstream or trying another
 * target (the same request is wrong everywhere).
 *
 * <pre>{@code
 * RequestChecks.imageUrls(request);            // before translating
 * String url = ...;
 * if (!RequestChecks.isHttpUrl(url)) ...       // a provider that fetches only inline bytes
 * }</pre>
 *
 * <p>Stateless and thread-safe; a request without images costs one pass over its messages and
 * no allocation.
 */
public final class RequestChecks {

    private RequestChecks() {
    }

    /**
     * Refuses a request holding an image whose URL no provider can fetch: anything but a
     * {@code data:} URL or an {@code http(s):} URL (a {@code file:} URL names a file on the
     * client's machine; other schemes are not reachable by any provider).
     *
     * @throws ProviderException {@link ErrorKind#INVALID_REQUEST} naming the field, e.g.
     *                           {@code messages[0].content[1].image_url.url}, and the scheme
     */
    public static void imageUrls(ChatRequest request) {
        List<Message> messages = request.messages();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            List<ContentPart> parts = m.content();
            if (parts == null || m.textContent()) {
                continue;
            }
            for (int j = 0; j < parts.size(); j++) {
                if (parts.get(j) instanceof ContentPart.Image img) {
                    imageUrl(img.url(), "messages[" + i + "].content[" + j + "].image_url.url");
                }
            }
        }
    }

    /**
     * Refuses one image URL that is neither {@code data:} nor {@code http(s):}.
     *
     * @param where the field, for the message
     * @throws ProviderException {@link ErrorKind#INVALID_REQUEST}
     */
    public static void imageUrl(String url, String where) {
        if (isDataUrl(url) || isHttpUrl(url)) {
            return;
        }
        throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, where + ": image URLs must be http(s): or data: URLs"
                + (url == null ? "" : " (got " + schemeOf(url) + ")"));
    }

    /**
     * Why {@code model} cannot be one segment of a request path once percent-encoded, or null:
     * {@code .} and {@code ..} pass any encoder unchanged and then move the request to another
     * path (a model named {@code ..} would call {@code /model/../converse}, i.e. {@code /converse}).
     * For adapters that put the model in the URL path ({@link ProviderAdapter#modelProblem}, and
     * again before sending).
     */
    public static String pathSegmentProblem(String model) {
        return model != null && (model.equals(".") || model.equals("..")) ? "'.' and '..' cannot be a path segment" : null;
    }

    /**
     * Refuses a model that cannot be a path segment ({@link #pathSegmentProblem}).
     *
     * @throws ProviderException {@link ErrorKind#INVALID_REQUEST} naming {@code model}
     */
    public static void pathSegment(String model) {
        String problem = pathSegmentProblem(model);
        if (problem != null) {
            throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "model '" + model + "': " + problem);
        }
    }

    /** Whether {@code url} starts with {@code http://} or {@code https://} (any case). */
    public static boolean isHttpUrl(String url) {
        return url != null && (url.regionMatches(true, 0, "http://", 0, 7) || url.regionMatches(true, 0, "https://", 0, 8));
    }

    /** Whether {@code url} starts with {@code data:} (any case). */
    public static boolean isDataUrl(String url) {
        return url != null && url.regionMatches(true, 0, "data:", 0, 5);
    }

    /**
     * The URL's scheme for a message ({@code a 'file:' URL}), without the rest of the URL: it may
     * be long or hold a path of the client's machine.
     */
    private static String schemeOf(String url) {
        int colon = url.indexOf(':');
        if (colon <= 0 || colon > 32) {
            return "a URL without a scheme";
        }
        for (int i = 0; i < colon; i++) {
            char c = url.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
            if (!ok) {
                return "a URL without a scheme";
            }
        }
        return "a '" + url.substring(0, colon + 1) + "' URL";
    }
}
