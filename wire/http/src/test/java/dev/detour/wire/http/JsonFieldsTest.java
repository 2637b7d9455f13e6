package dev.detour.wire.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonFieldsTest {

    private static JsonNode json(String s) throws IOException {
        return WireJson.MAPPER.readTree(s);
    }

    @Test
    void absent_and_null_fields_read_as_not_set() throws IOException {
        JsonNode o = json("{\"a\":null}");
        assertNull(JsonFields.optText(o, "a"));
        assertNull(JsonFields.optText(o, "b", "b"));
        assertNull(JsonFields.optNumber(o, "a", 0, 1));
        assertNull(JsonFields.optInt(o, "a", 1));
        assertFalse(JsonFields.optBool(o, "a", "a"));
        assertNull(JsonFields.nonNull(o.get("a")));
    }

    @Test
    void lenient_text_reads_scalars_but_not_containers() throws IOException {
        JsonNode o = json("{\"n\":3,\"o\":{}}");
        assertEquals("3", JsonFields.optText(o, "n"));
        assertNull(JsonFields.optText(o, "o"));
    }

    @Test
    void wrong_types_name_the_field() throws IOException {
        JsonNode o = json("{\"t\":1,\"n\":\"x\",\"i\":1.5,\"b\":\"yes\"}");
        assertEquals("messages[0].t", assertThrows(WireFormatException.class,
                () -> JsonFields.optText(o, "t", "messages[0].t")).field());
        assertThrows(WireFormatException.class, () -> JsonFields.optNumber(o, "n", 0, 1));
        assertThrows(WireFormatException.class, () -> JsonFields.optInt(o, "i", 0));
        assertThrows(WireFormatException.class, () -> JsonFields.optBool(o, "b", "b"));
    }

    @Test
    void out_of_range_numbers_are_refused_with_the_bounds() throws IOException {
        JsonNode o = json("{\"temperature\":2.5,\"max_tokens\":0,\"stream\":true}");
        WireFormatException e = assertThrows(WireFormatException.class, () -> JsonFields.optNumber(o, "temperature", 0, 2));
        assertTrue(e.getMessage().contains("between 0 and 2"), e.getMessage());
        assertThrows(WireFormatException.class, () -> JsonFields.optInt(o, "max_tokens", 1));
        assertTrue(JsonFields.optBool(o, "stream", "stream"));
        assertEquals(0.5, JsonFields.optNumber(json("{\"top_p\":0.5}"), "top_p", 0, 1));
    }
}
