package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonReaderTest {
    @Test
    void readsBackWhatJsonWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "a \"quoted\"\tname\n");
        m.put("values", List.of(1.5, -2.0e-7, 3.0));
        m.put("flag", true);
        m.put("none", null);
        m.put("nested", Map.of("empty", List.of()));
        assertEquals(m, JsonReader.parse("test", Json.write(m)));
        assertEquals("é", JsonReader.parse("test", "\"\\u00e9\""));
    }

    @Test
    void errorsNameTheSourceAndPosition() {
        for (String bad : Arrays.asList("{\"a\": }", "[1, 2", "{\"a\": 1} x", "{\"a\": 1, \"a\": 2}", "tru", "\"open")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("spec.json", bad));
            assertTrue(e.getMessage().startsWith("spec.json: not valid JSON at character "), e.getMessage());
        }
    }
}
