package dev.isthmus.nn.io;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    private static Object parse(String s) throws ModelFormatException {
        return Json.parse(s, "test");
    }

    private static String error(String s) {
        return assertThrows(ModelFormatException.class, () -> parse(s), s).getMessage();
    }

    @Test
    void writesAndParsesEveryKindOfValue() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", List.of(true, false, "x"));
        m.put("n", null);
        m.put("long", Long.MAX_VALUE);
        m.put("dims", new int[] {3, 28, 28});
        m.put("nested", Map.of("k", List.of()));
        String text = Json.write(m);
        assertEquals("{\"z\":1,\"a\":[true,false,\"x\"],\"n\":null,\"long\":9223372036854775807,"
                + "\"dims\":[3,28,28],\"nested\":{\"k\":[]}}", text);
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) parse(text);
        // file order is kept
        assertEquals(List.of("z", "a", "n", "long", "dims", "nested"), new ArrayList<>(back.keySet()));
        assertEquals(1L, ((Json.Numeral) back.get("z")).toLong());
        assertEquals(List.of(true, false, "x"), back.get("a"));
        assertTrue(back.containsKey("n"));
        assertNull(back.get("n"));
        assertEquals(Long.MAX_VALUE, ((Json.Numeral) back.get("long")).toLong());
    }

    @Test
    void floatsRoundTripExactly() throws Exception {
        SplittableRandom rng = new SplittableRandom(7);
        List<Float> samples = new ArrayList<>(List.of(0f, -0f, 1f, 0.1f, 1e-5f, Float.MIN_VALUE, Float.MIN_NORMAL,
                Float.MAX_VALUE, -Float.MAX_VALUE, 3.4028235e38f, 1.17549435e-38f, 16777217f, 0.3f));
        for (int i = 0; i < 20_000; i++) {
            float f = Float.intBitsToFloat(rng.nextInt());
            if (Float.isFinite(f)) {
                samples.add(f);
            }
        }
        for (float f : samples) {
            Object back = parse(Json.write(List.of(f)));
            float g = ((Json.Numeral) ((List<?>) back).getFirst()).toFloat();
            assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(g), "float " + f);
        }
    }

    @Test
    void integersThatDoNotFitALongAreNotLongs() throws Exception {
        assertNull(((Json.Numeral) parse("9223372036854775808")).toLong());
        assertNull(((Json.Numeral) parse("1.0")).toLong());
        assertNull(((Json.Numeral) parse("1e3")).toLong());
        assertEquals(-12L, ((Json.Numeral) parse("-12")).toLong());
        assertEquals(Float.POSITIVE_INFINITY, ((Json.Numeral) parse("1e999")).toFloat());
    }

    @Test
    void escapesRoundTrip() throws Exception {
        String s = "quote \" backslash \\ slash / nl \n cr \r tab \t bs \b ff \f nul \u0000 us \u001f"
                + " e-acute \u00e9 cjk \u4e2d emoji \ud83d\ude00 del \u007f";
        String text = Json.write(s);
        assertTrue(text.contains("\\u0000") && text.contains("\\u001f"), text);
        assertEquals(s, parse(text));
    }

    @Test
    void parsesUnicodeEscapes() throws Exception {
        assertEquals("\u00e9\u4e2d\ud83d\ude00/", parse("\"\\u00E9\\u4e2d\\ud83d\\uDE00\\/\""));
    }

    @Test
    void refusesToWriteWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Json.write("lone \ud800 surrogate"));
        Map<String, Object> cycle = new LinkedHashMap<>();
        cycle.put("self", cycle);
        assertThrows(IllegalArgumentException.class, () -> Json.write(cycle));
    }

    @Test
    void errorsNameThePosition() {
        assertTrue(error("{\"a\":1,}").contains("at character 7"), error("{\"a\":1,}"));
        assertTrue(error("[1 2]").contains("at character 3: expected ',' or ']' but found '2'"), error("[1 2]"));
        assertTrue(error("{\"a\":1} x").contains("at character 8: expected the end"), error("{\"a\":1} x"));
        assertTrue(error("").contains("at character 0"), error(""));
        assertTrue(error("  [").startsWith("test: invalid JSON at character 3"), error("  ["));
    }

    @Test
    void rejectsWhatRfc8259Does() {
        for (String bad : List.of("01", "-", "1.", ".5", "1e", "+1", "0x10", "NaN", "Infinity", "-Infinity",
                "[1,]", "{,}", "{\"a\"}", "{\"a\" 1}", "{a:1}", "'a'", "tru", "nul", "[", "]", "{\"a\":1",
                "\"abc", "\"a\nb\"", "\"a\tb\"", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "// c\n1", "[1]]",
                "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\u00a01")) {
            error(bad);
        }
    }

    @Test
    void rejectsDuplicateKeysByName() {
        String message = error("{\"layers.0.weight\":1,\"b\":2,\"layers.0.weight\":3}");
        assertTrue(message.contains("duplicate key \"layers.0.weight\""), message);
    }

    @Test
    void nestingBeyondTheLimitIsAnErrorNotAStackOverflow() throws Exception {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        parse(ok);
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertTrue(error(deep).contains("nest deeper than"), error(deep));
        String hostile = "[".repeat(5_000_000);
        assertTrue(error(hostile).contains("nest deeper than"));
        String objects = "{\"a\":".repeat(100_000);
        assertTrue(error(objects).contains("nest deeper than"));
    }

    @Test
    void valueCountIsBounded() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i <= Json.MAX_VALUES; i++) {
            b.append(i == 0 ? "0" : ",0");
        }
        String message = error(b.append(']').toString());
        assertTrue(message.contains("more than " + Json.MAX_VALUES + " values"), message);
    }

    @Test
    void longNumbersAreRejected() {
        char[] digits = new char[Json.MAX_NUMBER_LENGTH + 1];
        Arrays.fill(digits, '7');
        assertTrue(error(new String(digits)).contains("longer than"));
    }

    @Test
    void briefCutsLongValues() {
        String s = Json.brief("x".repeat(1000));
        assertEquals(80, s.length());
        assertTrue(s.endsWith("..."));
    }
}
