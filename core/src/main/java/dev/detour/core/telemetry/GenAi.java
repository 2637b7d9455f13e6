package dev.detour.core.telemetry;

import io.opentelemetry.api.common.AttributeKey;

import java.util.List;

/**
 * The attribute and metric names Detour's telemetry uses: the OpenTelemetry GenAI semantic
 * conventions as the current specification names them ({@code gen_ai.provider.name}, not the
 * retired {@code gen_ai.system}), the HTTP ones it needs, and Detour's own ({@code detour.*}).
 * Kept here rather than taken from {@code opentelemetry-semconv-incubating}, whose GenAI constants
 * are all deprecated while the conventions move to their own repository.
 */
public final class GenAi {
    private GenAi() {
    }

    // GenAI attributes
    public static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
    public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    public static final AttributeKey<Long> USAGE_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> USAGE_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<List<String>> RESPONSE_FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    public static final AttributeKey<String> TOKEN_TYPE = AttributeKey.stringKey("gen_ai.token.type");
    public static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");
    public static final AttributeKey<String> OUTPUT_MESSAGES = AttributeKey.stringKey("gen_ai.output.messages");

    // General attributes
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    public static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    public static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    public static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");

    // Detour's own
    public static final AttributeKey<String> ROUTE = AttributeKey.stringKey("detour.route");
    public static final AttributeKey<String> TARGET = AttributeKey.stringKey("detour.target");
    /** On an attempt span: which upstream call of the request it is, from 1. On the server span: how many were made. */
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("detour.attempt");
    public static final AttributeKey<Boolean> FAILOVER = AttributeKey.booleanKey("detour.failover");
    public static final AttributeKey<Boolean> HEDGE = AttributeKey.booleanKey("detour.hedge");
    public static final AttributeKey<Boolean> RESUME = AttributeKey.booleanKey("detour.resume");
    public static final AttributeKey<String> CACHE = AttributeKey.stringKey("detour.cache");
    public static final AttributeKey<String> GUARDRAILS = AttributeKey.stringKey("detour.guardrails");
    public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("detour.request_id");
    public static final AttributeKey<String> REASON = AttributeKey.stringKey("detour.reason");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("detour.outcome");
    public static final AttributeKey<String> FROM = AttributeKey.stringKey("detour.from");
    public static final AttributeKey<Boolean> FIRST_CHOICE = AttributeKey.booleanKey("detour.first_choice");

    // Metric names
    public static final String CLIENT_OPERATION_DURATION = "gen_ai.client.operation.duration";
    public static final String CLIENT_TOKEN_USAGE = "gen_ai.client.token.usage";
    public static final String SERVER_TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";

    /** Span events. */
    public static final String SKIP_EVENT = "detour.skip";
    public static final String CONTENT_EVENT = "gen_ai.client.inference.operation.details";

    /**
     * The well-known {@code gen_ai.provider.name} of an adapter type ({@code openai},
     * {@code anthropic}, {@code gcp.gemini}, {@code aws.bedrock}, {@code azure.ai.openai});
     * any other type as it is.
     */
    public static String providerName(String adapterType) {
        return switch (adapterType) {
            case "gemini" -> "gcp.gemini";
            case "bedrock" -> "aws.bedrock";
            case "azure-openai", "azure_openai", "azure" -> "azure.ai.openai";
            default -> adapterType;
        };
    }
}
