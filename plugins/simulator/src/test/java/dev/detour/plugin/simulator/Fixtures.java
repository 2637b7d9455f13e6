package dev.detour.plugin.simulator;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.wire.http.SseDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/** Doc fixtures under src/test/resources, and a check that an answer has every field a fixture has. */
final class Fixtures {

    private Fixtures() {
    }

    static String text(String resource) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/" + resource)) {
            assertNotNull(in, "missing fixture " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String resource) {
        try {
            return WireJson.MAPPER.readTree(text(resource));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<SimHttp.Event> events(String resource) {
        List<SimHttp.Event> out = new ArrayList<>();
        SseDecoder d = new SseDecoder((t, data) -> out.add(new SimHttp.Event(t, data)));
        d.feed(text(resource).getBytes(StandardCharsets.UTF_8));
        d.end();
        return out;
    }

    /**
     * Asserts that {@code actual} has every field of {@code doc} with the same JSON type (arrays:
     * compared by their first elements), except the paths in {@code optional}. Values may differ.
     */
    static void assertShape(JsonNode doc, JsonNode actual, Set<String> optional) {
        List<String> problems = new ArrayList<>();
        compare("", doc, actual, optional, problems);
        if (!problems.isEmpty()) {
            fail("answer differs from the documented shape: " + problems + "\nactual: " + actual);
        }
    }

    private static void compare(String path, JsonNode doc, JsonNode actual, Set<String> optional, List<String> problems) {
        if (optional.contains(path)) {
            return;
        }
        if (actual == null || actual.isMissingNode()) {
            problems.add(path + " missing");
            return;
        }
        if (doc.isNull() || actual.isNull()) {
            return; // nullable fields: either form is fine
        }
        if (doc.getNodeType() != actual.getNodeType()) {
            problems.add(path + " is " + actual.getNodeType() + ", documented " + doc.getNodeType());
            return;
        }
        if (doc.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = doc.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                compare(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), actual.get(e.getKey()),
                        optional, problems);
            }
        } else if (doc.isArray() && !doc.isEmpty() && !actual.isEmpty()) {
            compare(path + "[]", doc.get(0), actual.get(0), optional, problems);
        }
    }

    /** Asserts the event types follow the documented order, where runs of the same type may differ in length. */
    static void assertEventOrder(List<SimHttp.Event> doc, List<SimHttp.Event> actual) {
        assertEquals(runs(doc), runs(actual), "event order");
    }

    private static List<String> runs(List<SimHttp.Event> events) {
        List<String> out = new ArrayList<>();
        for (SimHttp.Event e : events) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(e.type())) {
                out.add(e.type());
            }
        }
        return out;
    }
}
