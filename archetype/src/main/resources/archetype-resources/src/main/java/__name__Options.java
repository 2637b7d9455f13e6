package ${package};

#if( $kind == "routing" )
/**
 * Options of the {@code ${type}} strategy: {@code strategy: { type: ${type}, prefer: <provider> }}.
 *
 * @param prefer the provider whose targets are tried first
 */
public record ${name}Options(String prefer) {
    public ${name}Options {
        if (prefer == null || prefer.isBlank()) {
            throw new IllegalArgumentException("prefer: name the provider whose targets go first");
        }
    }
}
#elseif( $kind == "detector" )
/**
 * Options of the {@code ${type}} detector: {@code detectors: [ { type: ${type}, word: sorry } ]}.
 *
 * @param word an answer containing it (any case) is judged a failure of its target
 */
public record ${name}Options(String word) {
    public ${name}Options {
        word = word == null ? "sorry" : word;
        if (word.isBlank()) {
            throw new IllegalArgumentException("word: must not be blank");
        }
    }
}
#elseif( $kind == "guardrail" )
/**
 * Options of the {@code ${type}} guardrail: {@code guardrails: [ { type: ${type}, word: secret } ]}.
 *
 * @param word a request mentioning it (any case) is denied
 */
public record ${name}Options(String word) {
    public ${name}Options {
        if (word == null || word.isBlank()) {
            throw new IllegalArgumentException("word: name the word to deny");
        }
    }
}
#elseif( $kind == "cache" )
/**
 * Options of the {@code ${type}} cache: {@code cache: { type: ${type}, max_entries: 1000 }}.
 *
 * @param maxEntries how many answers it keeps (the oldest go first)
 */
public record ${name}Options(Integer maxEntries) {
    public ${name}Options {
        maxEntries = maxEntries == null ? 1000 : maxEntries;
        if (maxEntries < 1) {
            throw new IllegalArgumentException("max_entries: must be at least 1 (was " + maxEntries + ")");
        }
    }
}
#elseif( $kind == "provider" )
/**
 * Options of the {@code ${type}} provider type:
 * {@code providers: { acme: { type: ${type}, base_url: ..., api_key: ..., options: { key_header: x-api-key } } }}.
 *
 * @param keyHeader the header carrying the API key (default {@code authorization}, as a bearer token)
 */
public record ${name}Options(String keyHeader) {
    public ${name}Options {
        keyHeader = keyHeader == null ? "authorization" : keyHeader.toLowerCase(java.util.Locale.ROOT);
        if (keyHeader.isBlank()) {
            throw new IllegalArgumentException("key_header: must not be blank");
        }
    }
}
#end
