package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fake Bedrock Runtime: {@code POST /model/{modelId}/converse} answers Converse JSON,
 * {@code /converse-stream} answers binary event-stream frames. A request without a SigV4
 * {@code Authorization} for the expected access key, region and service is refused with 403
 * as AWS would. {@link #throttle} makes it answer 429 ThrottlingException.
 */
final class FakeBedrock extends FakeJsonServer {
    static final String TEXT = "Hello from bedrock";

    /** What one call carried. */
    record Seen(String path, String authorization, String amzDate, JsonNode body) {
    }

    private final String accessKeyId;
    private final String region;
    private final AtomicBoolean throttle = new AtomicBoolean();
    private final AtomicBoolean throttleInStream = new AtomicBoolean();
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    FakeBedrock(Vertx vertx, String accessKeyId, String region) {
        super(vertx);
        this.accessKeyId = accessKeyId;
        this.region = region;
    }

    void throttle(boolean on) {
        throttle.set(on);
    }

    /** ConverseStream answers 200, then a {@code throttlingException} frame after {@code messageStart}. */
    void throttleInStream(boolean on) {
        throttleInStream.set(on);
    }

    Future<FakeBedrock> start() {
        return listen().map(v -> this);
    }

    @Override
    void onRequest(HttpServerRequest req, JsonNode body) {
        seen.add(new Seen(req.path(), req.getHeader("authorization"), req.getHeader("x-amz-date"), body));
        handle(req);
    }

    private void handle(HttpServerRequest req) {
        String auth = req.getHeader("authorization");
        boolean signed = auth != null && auth.startsWith("AWS4-HMAC-SHA256 Credential=" + accessKeyId + "/")
                && auth.contains("/" + region + "/bedrock/aws4_request") && auth.contains("Signature=")
                && req.getHeader("x-amz-date") != null;
        if (!signed) {
            error(req, 403, "AccessDeniedException", "The request signature we calculated does not match.");
            return;
        }
        if (throttle.get()) {
            error(req, 429, "ThrottlingException", "Too many requests, please wait before trying again.");
            return;
        }
        String path = req.path();
        if (path.startsWith("/model/") && path.endsWith("/converse")) {
            req.response().putHeader("content-type", "application/json").putHeader("x-amzn-RequestId", "req-br-1")
                    .end("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"" + TEXT + "\"}]}},"
                            + "\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":12,\"outputTokens\":4,"
                            + "\"totalTokens\":16},\"metrics\":{\"latencyMs\":40}}");
        } else if (path.startsWith("/model/") && path.endsWith("/converse-stream")) {
            HttpServerResponse r = req.response().setChunked(true)
                    .putHeader("content-type", "application/vnd.amazon.eventstream").putHeader("x-amzn-RequestId", "req-br-2");
            Buffer all = Buffer.buffer();
            all.appendBuffer(EventStreamEncoder.event("messageStart", "{\"p\":\"abc\",\"role\":\"assistant\"}"));
            if (throttleInStream.get()) {
                r.end(all.appendBuffer(EventStreamEncoder.exception("throttlingException",
                        "{\"message\":\"Too many tokens, please wait before trying again.\"}")));
                return;
            }
            for (String word : TEXT.split("(?<= )")) {
                all.appendBuffer(EventStreamEncoder.event("contentBlockDelta",
                        "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"" + word + "\"},\"p\":\"abcdef\"}"));
            }
            all.appendBuffer(EventStreamEncoder.event("contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"ab\"}"));
            all.appendBuffer(EventStreamEncoder.event("messageStop", "{\"p\":\"abcd\",\"stopReason\":\"end_turn\"}"));
            all.appendBuffer(EventStreamEncoder.event("metadata", "{\"metrics\":{\"latencyMs\":30},"
                    + "\"usage\":{\"inputTokens\":12,\"outputTokens\":4,\"totalTokens\":16}}"));
            // Split mid-frame so the gateway's decoder must reassemble frames across reads.
            int cut = all.length() / 2 + 3;
            r.write(all.getBuffer(0, cut)).compose(v -> r.end(all.getBuffer(cut, all.length())));
        } else {
            error(req, 404, "UnknownOperationException", "unknown operation " + path);
        }
    }

    private static void error(HttpServerRequest req, int status, String type, String message) {
        req.response().setStatusCode(status).putHeader("content-type", "application/json")
                .putHeader("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/")
                .end("{\"message\":\"" + message + "\"}");
    }
}
