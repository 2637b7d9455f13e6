package dev.detour.plugin.guardrails;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.i18n.phonenumbers.PhoneNumberUtil;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Options of the {@code pii} guardrail.
 *
 * <pre>{@code
 * guardrails:
 *   - type: pii
 *     entities: [email, phone, credit_card, iban, us_ssn, ip_address, secret]   # default: all
 *     action: redact              # redact | deny | route_to
 *     restore: true               # redact only: put the originals back into the answer
 *     categories: [self-hosted]   # route_to only: the target categories that may see PII
 *     phone_regions: [US]         # how numbers written without +country are read
 *     worker_above_chars: 65536   # larger texts are scanned on a worker, not the event loop
 * }</pre>
 *
 * @param entities         what to detect (YAML names of {@link Entity}); default all
 * @param action           {@code redact} (default), {@code deny} or {@code route_to}
 * @param categories       for {@code route_to}: the target categories allowed to serve a request with PII
 * @param restore          for {@code redact}: map this request's placeholders in the answer back to the
 *                         originals; default false
 * @param phoneRegions     ISO regions whose national formats are read as phone numbers; default {@code [US]}
 * @param workerAboveChars text length above which a request or answer is scanned off the event loop;
 *                         default {@value #DEFAULT_WORKER_ABOVE_CHARS}
 */
public record PiiOptions(@JsonProperty("entities") List<String> entities,
                         @JsonProperty("action") String action,
                         @JsonProperty("categories") List<String> categories,
                         @JsonProperty("restore") Boolean restore,
                         @JsonProperty("phone_regions") List<String> phoneRegions,
                         @JsonProperty("worker_above_chars") Integer workerAboveChars) {

    public static final int DEFAULT_WORKER_ABOVE_CHARS = 65_536;

    public PiiOptions {
        entities = Options.strings("entities", entities, List.of());
        Set<Entity> set = EnumSet.noneOf(Entity.class);
        for (String e : entities) {
            set.add(Entity.of(e));
        }
        action = Options.oneOf("action", action, "redact", "redact", "deny", "route_to");
        categories = Options.strings("categories", categories, List.of());
        if (action.equals("route_to") && categories.isEmpty()) {
            throw new IllegalArgumentException("categories must list the target categories route_to allows,"
                    + " e.g. [self-hosted]");
        }
        if (!action.equals("route_to") && !categories.isEmpty()) {
            throw new IllegalArgumentException("categories applies to action route_to only");
        }
        restore = restore != null && restore;
        if (restore && !action.equals("redact")) {
            throw new IllegalArgumentException("restore applies to action redact only");
        }
        phoneRegions = Options.strings("phone_regions", phoneRegions, List.of("US"));
        Set<String> supported = PhoneNumberUtil.getInstance().getSupportedRegions();
        for (int i = 0; i < phoneRegions.size(); i++) {
            if (!supported.contains(phoneRegions.get(i))) {
                throw new IllegalArgumentException("phone_regions[" + i + "]: unknown region '" + phoneRegions.get(i)
                        + "' (an ISO 3166 code such as US, GB, DE)");
            }
        }
        workerAboveChars = Options.atLeast("worker_above_chars", workerAboveChars, DEFAULT_WORKER_ABOVE_CHARS, 0);
    }

    /** Every option at its default. */
    public static PiiOptions defaults() {
        return new PiiOptions(null, null, null, null, null, null);
    }

    /** The entities to detect: those listed, or all when none is. */
    public Set<Entity> entitySet() {
        Set<Entity> set = EnumSet.noneOf(Entity.class);
        for (String e : entities) {
            set.add(Entity.of(e));
        }
        return set.isEmpty() ? EnumSet.allOf(Entity.class) : set;
    }
}
