package dev.detour.plugin.guardrails;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What the {@code pii} guardrail can detect; the YAML name is the lower-case constant name. */
public enum Entity {
    /** An e-mail address. */
    EMAIL,
    /** A phone number valid for its country (libphonenumber), international or in the default region's format. */
    PHONE,
    /** A payment card number of 13 to 19 digits passing the Luhn check. */
    CREDIT_CARD,
    /** An IBAN of its country's length passing the mod-97 check. */
    IBAN,
    /** A US social security number (area, group and serial in their issued ranges). */
    US_SSN,
    /** An IPv4 or IPv6 address. */
    IP_ADDRESS,
    /** A provider API key, a private-key PEM block or a JWT. */
    SECRET;

    /** The name in the YAML ({@code credit_card}). */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The entity a YAML name stands for; an unknown name is an error listing the known ones. */
    public static Entity of(String yamlName) {
        for (Entity e : values()) {
            if (e.yamlName().equals(yamlName)) {
                return e;
            }
        }
        throw new IllegalArgumentException("entities: unknown entity '" + yamlName + "'; known: " + known());
    }

    /** The known YAML names, comma-separated. */
    public static String known() {
        return Arrays.stream(values()).map(Entity::yamlName).collect(Collectors.joining(", "));
    }
}
