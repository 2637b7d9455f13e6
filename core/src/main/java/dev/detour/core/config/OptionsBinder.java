package dev.detour.core.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Binds a plugin's YAML options block to its declared options record, strictly: unknown keys,
 * wrong types and the record's own validation failures become problems with their YAML path.
 */
public final class OptionsBinder {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    private OptionsBinder() {
    }

    /**
     * Binds {@code options} (null = empty) to {@code type}.
     *
     * @throws IllegalArgumentException with a message "{path}.{field}: problem"
     */
    public static <O> O bind(JsonNode options, Class<O> type, String path) {
        JsonNode node = options == null || options.isNull() || options.isMissingNode()
                ? JsonNodeFactory.instance.objectNode() : options;
        try {
            return STRICT.treeToValue(node, type);
        } catch (JsonMappingException e) {
            StringBuilder at = new StringBuilder(path);
            for (JsonMappingException.Reference r : e.getPath()) {
                if (r.getFieldName() != null) {
                    at.append('.').append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    at.append('[').append(r.getIndex()).append(']');
                }
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String msg = root instanceof IllegalArgumentException ? root.getMessage() : e.getOriginalMessage();
            if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
                msg = "unknown key '" + u.getPropertyName() + "' (known: " + String.join(", ",
                        u.getKnownPropertyIds().stream().map(Object::toString).sorted().toList()) + ")";
            }
            throw new IllegalArgumentException(at + ": " + firstLine(msg), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + firstLine(e.getMessage()), e);
        } catch (Exception e) {
            throw new IllegalArgumentException(path + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid value";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
