package dev.detour.plugin.guardrails;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each detector on values it must find and on look-alikes it must leave. */
class PiiScannerTest {

    static final String OPENAI_KEY = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zQ7";
    static final String ANTHROPIC_KEY = "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-AbCdEfGh";
    static final String AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
    static final String GOOGLE_KEY = "AIza" + "SyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI";
    static final String GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    static final String JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiw"
            + "iaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    static final String PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aumgdrU1vF\n"
            + "qH2nW8oTbMcCoOlLwI9WbJ1Wkz8ZcNvT3Ab+Q==\n-----END RSA PRIVATE KEY-----";

    private final PiiScanner all = new PiiScanner(EnumSet.allOf(Entity.class), List.of("US", "GB"));

    private List<String> found(String text) {
        List<Match> out = new ArrayList<>();
        all.find(Normalized.of(text).text, out);
        List<String> r = new ArrayList<>();
        for (Match m : out) {
            r.add(m.kind() + ":" + Normalized.of(text).text.substring(m.start(), m.end()));
        }
        return r;
    }

    private void finds(String kind, String value, String around) {
        String text = around.replace("%", value);
        assertTrue(found(text).contains(kind + ":" + value), text + " -> " + found(text));
    }

    private void leaves(String text) {
        assertEquals(List.of(), found(text), text);
    }

    @Test
    void emails() {
        finds("EMAIL", "jane.doe+tag@example.co.uk", "write to % today");
        finds("EMAIL", "o'brien@mail.example.com", "(%)");
        finds("EMAIL", "a@b.io", "%.");
        leaves("user@localhost and @handle and a@b.c and x@-.com");
    }

    @Test
    void phones_in_international_and_national_formats() {
        finds("PHONE", "+1 650-253-0000", "call % now");
        finds("PHONE", "(650) 253-0000", "call % now");
        finds("PHONE", "+44 20 7946 0958", "call %.");
        finds("PHONE", "020 7946 0958", "UK: %");
        finds("PHONE", "+49 30 901820", "Berlin %");
        finds("PHONE", "+33 1 42 68 53 00", "Paris %");
        leaves("in 2024 we sold 1234 units, version 1.2.3, order 12-34");
    }

    @Test
    void a_phone_after_a_year_in_prose_is_found_on_its_own() {
        assertTrue(found("since 2019 +44 20 7946 0958").contains("PHONE:+44 20 7946 0958"),
                found("since 2019 +44 20 7946 0958").toString());
    }

    @Test
    void cards_only_when_luhn_checks() {
        finds("CREDIT_CARD", "4111 1111 1111 1111", "card %");
        finds("CREDIT_CARD", "5555-5555-5555-4444", "card %");
        finds("CREDIT_CARD", "378282246310005", "amex %");
        assertFalse(found("card 4111 1111 1111 1112").toString().contains("CREDIT_CARD"));
    }

    @Test
    void ibans_only_when_mod97_checks() {
        finds("IBAN", "DE89 3704 0044 0532 0130 00", "pay to %.");
        finds("IBAN", "GB82WEST12345698765432", "IBAN: %");
        finds("IBAN", "FR14 2004 1010 0505 0001 3M02 606", "%");
        assertFalse(found("DE89 3704 0044 0532 0130 01").toString().contains("IBAN"));
        assertFalse(found("XX89 3704 0044 0532 0130 00").toString().contains("IBAN"));
    }

    @Test
    void us_ssns_in_issued_ranges() {
        finds("US_SSN", "078-05-1120", "SSN %");
        leaves("SSN 666-05-1120 or 000-12-3456 or 123-00-4567 or 900-12-3456");
    }

    @Test
    void ip_addresses() {
        finds("IP_ADDRESS", "192.168.1.20", "host %:8080");
        finds("IP_ADDRESS", "2001:db8::8a2e:370:7334", "host [%]");
        finds("IP_ADDRESS", "::1", "loopback %");
        finds("IP_ADDRESS", "fe80:0:0:0:0:0:0:1", "%");
        leaves("999.1.1.1 and 1.2.3 and 10:30:45 and 00:1A:2B:3C:4D:5E and v1.2.3.4.5");
    }

    @Test
    void secrets() {
        finds("SECRET", OPENAI_KEY, "OPENAI_API_KEY=%");
        finds("SECRET", ANTHROPIC_KEY, "key: %");
        finds("SECRET", AWS_KEY, "aws %");
        finds("SECRET", GOOGLE_KEY, "google %");
        finds("SECRET", GITHUB_TOKEN, "gh %");
        finds("SECRET", JWT, "Authorization: Bearer %");
        finds("SECRET", PEM, "here:\n%\nthanks");
        leaves("sk-learn is a library; the task-runner-is-not-a-key-at-all; AKIA123; eyJ alone");
    }

    @Test
    void a_pem_block_without_its_footer_runs_to_the_end() {
        String text = "key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC";
        List<Match> out = new ArrayList<>();
        all.find(text, out);
        assertEquals(1, out.size());
        assertEquals(text.length(), out.get(0).end());
        assertEquals(Match.Run.PEM, out.get(0).run());
    }

    @Test
    void only_the_configured_entities_are_looked_for() {
        PiiScanner emails = new PiiScanner(EnumSet.of(Entity.EMAIL), List.of("US"));
        List<Match> out = new ArrayList<>();
        emails.find("a@example.com 4111 1111 1111 1111 " + AWS_KEY, out);
        assertEquals(1, out.size());
        assertEquals(Entity.EMAIL, out.get(0).entity());
        assertTrue(new PiiScanner(EnumSet.of(Entity.CREDIT_CARD), List.of("US")).window() < all.window());
    }

    @Test
    void checksums() {
        assertTrue(PiiScanner.luhn("79927398713"));
        assertFalse(PiiScanner.luhn("79927398710"));
        assertTrue(PiiScanner.mod97("GB82WEST12345698765432"));
        assertFalse(PiiScanner.mod97("GB82WEST12345698765433"));
        assertTrue(PiiScanner.ipv6("2001:db8::1"));
        assertFalse(PiiScanner.ipv6("2001:db8::1::2"));
        assertFalse(PiiScanner.ipv6("12345::1"));
    }
}
