package dev.detour.plugin.vertex;

import dev.detour.api.Clock;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.provider.ProviderContext;
import org.pf4j.Extension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The {@code type: vertex} provider: Gemini and Claude models on Google Cloud Vertex AI.
 *
 * <pre>{@code
 * providers:
 *   vertex-eu:
 *     type: vertex
 *     region: europe-west4                       # the Vertex location; also the envelope's region label
 *     category: closed
 *     options:
 *       project: my-gcp-project                  # default: the key's project_id
 *       credentials_file: /etc/detour/vertex-sa.json
 * }</pre>
 *
 * Credentials, in order: {@code options.credentials_file}; the provider's {@code api_key} holding
 * the service-account key JSON (it starts with <code>{</code>) or, otherwise, a static access token;
 * else the key file named by {@code GOOGLE_APPLICATION_CREDENTIALS}. Setting both
 * {@code credentials_file} and {@code api_key} is an error. The location is
 * {@code options.location}, else the provider's {@code region} label, which must then be a Vertex
 * location.
 */
@Extension
public final class VertexProviderFactory implements ProviderAdapterFactory<VertexOptions> {

    @Override
    public String type() {
        return "vertex";
    }

    @Override
    public Class<VertexOptions> optionsType() {
        return VertexOptions.class;
    }

    @Override
    public ProviderAdapter create(VertexOptions options, ProviderContext context) {
        return create(options == null ? VertexOptions.DEFAULTS : options, context, System::getenv);
    }

    /** {@link #create(VertexOptions, ProviderContext)} with the environment injected (tests). */
    static VertexAdapter create(VertexOptions options, ProviderContext ctx, UnaryOperator<String> env) {
        String location = location(options, ctx);
        Clock clock = ctx.clock() == null ? Clock.SYSTEM : ctx.clock();
        ServiceAccountKey key = null;
        AccessTokens tokens;
        String apiKey = ctx.apiKey() == null ? "" : ctx.apiKey().strip();
        if (options.credentialsFile() != null) {
            if (!apiKey.isEmpty()) {
                throw new IllegalArgumentException("set either api_key or options.credentials_file, not both");
            }
            key = ServiceAccountKey.parse(read(options.credentialsFile(), "options.credentials_file"), "options.credentials_file");
        } else if (apiKey.startsWith("{")) {
            key = ServiceAccountKey.parse(apiKey, "api_key");
        } else if (apiKey.isEmpty()) {
            String adc = env.apply("GOOGLE_APPLICATION_CREDENTIALS");
            if (adc == null || adc.isBlank()) {
                throw new IllegalArgumentException("vertex needs credentials: options.credentials_file (a service-account key "
                        + "file), api_key (the key's JSON, or an access token), or the GOOGLE_APPLICATION_CREDENTIALS variable");
            }
            key = ServiceAccountKey.parse(read(adc, "GOOGLE_APPLICATION_CREDENTIALS"), "GOOGLE_APPLICATION_CREDENTIALS");
        }
        String project = options.project() != null ? options.project() : key == null ? null : key.projectId();
        if (project == null) {
            throw new IllegalArgumentException("options.project is required"
                    + (key == null ? " with an access token" : " (the service-account key has no project_id)"));
        }
        if (key == null) {
            tokens = AccessTokens.fixed(apiKey);
        } else {
            String tokenUrl = options.tokenUrl() != null ? options.tokenUrl()
                    : key.tokenUri() != null ? key.tokenUri() : VertexOptions.DEFAULT_TOKEN_URL;
            TokenEndpoint endpoint = new TokenEndpoint(ctx.vertx(), tokenUrl, ctx.name());
            tokens = new ServiceAccountTokens(key, tokenUrl, clock, endpoint, ctx.vertx()::executeBlocking, endpoint::close);
        }
        return new VertexAdapter(options, ctx, new VertexUrls(project, location, options.apiVersion()), tokens);
    }

    private static String location(VertexOptions options, ProviderContext ctx) {
        if (options.location() != null) {
            return options.location();
        }
        String label = ctx.region();
        if (VertexOptions.LOCATION.matcher(label).matches()) {
            return label;
        }
        throw new IllegalArgumentException("vertex needs a location: set the provider's region (e.g. europe-west4, "
                + "us-central1, global) or options.location"
                + (label.isEmpty() ? "" : " (region label '" + label + "' is not a Vertex location)"));
    }

    /**
     * Reads a key file once, when the provider is built (at start or reload, before it serves):
     * a small local file, and a missing one must stop the start with its name.
     */
    private static String read(String file, String where) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(where + ": cannot read the service-account key file '" + file + "' ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
