package dev.detour.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * Every problem of {@code options} against {@code type}, each "{path}: problem", or none. All
     * unknown keys are reported, at any depth; when there are any, the record's own validation is
     * not (its complaints would follow from them, e.g. "must be set together" for a misspelt key).
     * Otherwise the first binding or validation problem is.
     */
    public static List<String> check(JsonNode options, Class<?> type, String path) {
        JsonNode node = options == null || options.isNull() || options.isMissingNode()
                ? JsonNodeFactory.instance.objectNode() : options;
        List<String> unknown = new ArrayList<>();
        // The top level first: a record is built before Jackson looks at the keys it does not
        // know, so its own validation would otherwise speak first ("must be set together").
        List<String> known = knownKeys(type);
        if (known != null && node.isObject()) {
            node.fieldNames().forEachRemaining(k -> {
                if (!known.contains(k)) {
                    unknown.add(path + "." + k + ": unknown key " + knownList(known));
                }
            });
            if (!unknown.isEmpty()) {
                return unknown;
            }
        }
        DeserializationProblemHandler collect = new DeserializationProblemHandler() {
            @Override
            public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deser,
                                                 Object beanOrClass, String name) throws IOException {
                StringBuilder at = new StringBuilder(path);
                JsonStreamContext c = p.getParsingContext();
                java.util.Deque<String> parts = new java.util.ArrayDeque<>();
                for (c = c.getParent(); c != null && !c.inRoot(); c = c.getParent()) {
                    parts.addFirst(c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName());
                }
                parts.forEach(at::append);
                unknown.add(at + "." + name + ": unknown key " + knownList(
                        deser.getKnownPropertyNames().stream().map(Object::toString).toList()));
                p.skipChildren();
                return true;
            }
        };
        try {
            STRICT.readerFor(type).withHandler(collect).readValue(node);
            return unknown;
        } catch (IOException | RuntimeException e) {
            if (!unknown.isEmpty()) {
                return unknown;
            }
            try {
                bind(node, type, path);
            } catch (IllegalArgumentException b) {
                return List.of(b.getMessage());
            }
            return List.of(path + ": " + firstLine(e.getMessage()));
        }
    }

    /** The keys an options type accepts, sorted, or null when it takes any (it ignores unknown keys). */
    private static List<String> knownKeys(Class<?> type) {
        com.fasterxml.jackson.databind.BeanDescription d = STRICT.getDeserializationConfig()
                .introspect(STRICT.constructType(type));
        com.fasterxml.jackson.annotation.JsonIgnoreProperties ignore =
                type.getAnnotation(com.fasterxml.jackson.annotation.JsonIgnoreProperties.class);
        if (ignore != null && ignore.ignoreUnknown() || d.findAnySetterAccessor() != null
                || java.util.Map.class.isAssignableFrom(type) || JsonNode.class.isAssignableFrom(type)) {
            return null;
        }
        return d.findProperties().stream().map(p -> p.getName()).sorted().toList();
    }

    private static String knownList(List<String> known) {
        return known.isEmpty() ? "(this takes no options)"
                : "(known: " + String.join(", ", known.stream().sorted().toList()) + ")";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid value";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
