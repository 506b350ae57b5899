package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the command line prints with {@link Json} reads back with the model files' parser. */
class JsonRoundTripTest {
    @Test
    void theModelFileParserReadsBackWhatJsonWrites() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "a \"quoted\"\tname\n");
        m.put("values", List.of(1.5, -2.0e-7, 3.0));
        m.put("flag", true);
        m.put("none", null);
        m.put("nested", Map.of("empty", List.of()));
        Map<?, ?> back = (Map<?, ?>) dev.isthmus.nn.io.Json.parse(Json.write(m), "test");
        assertEquals(m.keySet(), back.keySet());
        assertEquals(m.get("name"), back.get("name"));
        List<?> values = (List<?>) back.get("values");
        for (int i = 0; i < 3; i++) {
            assertEquals((Double) ((List<?>) m.get("values")).get(i),
                    ((dev.isthmus.nn.io.Json.Numeral) values.get(i)).toDouble());
        }
        assertEquals(true, back.get("flag"));
        assertEquals(null, back.get("none"));
        assertEquals(Map.of("empty", List.of()), back.get("nested"));
        assertEquals("é", dev.isthmus.nn.io.Json.parse("\"\\u00e9\"", "test"));
    }
}
