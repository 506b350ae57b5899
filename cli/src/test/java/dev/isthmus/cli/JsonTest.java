package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void escapesStringsAndNestsInOrder() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("x", List.of(1, 2.5, "q\"t"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a\\b", "line\nbreak\u0001");
        m.put("n", inner);
        m.put("nan", Double.NaN);
        m.put("none", null);
        m.put("empty", Map.of());
        assertEquals("""
                {
                  "a\\\\b": "line\\nbreak\\u0001",
                  "n": {
                    "x": [1, 2.5, "q\\"t"]
                  },
                  "nan": null,
                  "none": null,
                  "empty": {}
                }""", Json.write(m));
    }
}
