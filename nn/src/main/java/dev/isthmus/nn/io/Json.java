package dev.isthmus.nn.io;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON of safetensors headers and of the metadata strings inside them: a writer and a strict
 * parser (RFC 8259, nothing more: no comments, no trailing commas, no NaN, no duplicate keys).
 *
 * <p>Parsed values are {@link LinkedHashMap} (keys in file order), {@link ArrayList},
 * {@link String}, {@link Numeral}, {@link Boolean} and {@code null}. Numbers keep their literal text
 * so that a float written by {@link Float#toString} parses back to the same float: going through a
 * double first could round twice and land on the neighbouring float.
 *
 * <p>Limits keep hostile input from overflowing the stack or filling the heap: containers nest at
 * most {@link #MAX_DEPTH} deep, a document holds at most {@link #MAX_VALUES} values, and a number
 * literal has at most {@link #MAX_NUMBER_LENGTH} characters. The caller bounds the text's length.
 * Public so that tools reading a model file's metadata (the command line) parse it the same way.
 */
public final class Json {
    static final int MAX_DEPTH = 64;
    static final int MAX_VALUES = 1 << 20;
    static final int MAX_NUMBER_LENGTH = 100;

    private final String text;
    private final String what;
    private int pos;
    private int values;

    private Json(String text, String what) {
        this.text = text;
        this.what = what;
    }

    /**
     * A JSON number as written in the document.
     *
     * @param literal the number's text, valid JSON number syntax
     */
    public record Numeral(String literal) {
        /** The value when the literal is an integer (no fraction, no exponent) that fits a long, else null. */
        public Long toLong() {
            for (int i = 0; i < literal.length(); i++) {
                char c = literal.charAt(i);
                if (c == '.' || c == 'e' || c == 'E') {
                    return null;
                }
            }
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** The float nearest to the literal (infinite when it is beyond the float range). */
        public float toFloat() {
            return Float.parseFloat(literal);
        }

        /** The double nearest to the literal. */
        public double toDouble() {
            return Double.parseDouble(literal);
        }

        @Override
        public String toString() {
            return literal;
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * The JSON text of a value made of maps with string keys (written in their iteration order),
     * collections, {@code int[]}, strings, integers, longs, finite floats and doubles, numerals,
     * booleans and null.
     *
     * @throws IllegalArgumentException naming the value when it has another type, is a non-finite
     *                                  number, a string with an unpaired surrogate, or nests deeper
     *                                  than {@link #MAX_DEPTH}
     */
    public static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, 0);
        return b.toString();
    }

    /** The value's JSON text cut to 80 characters, for error messages about untrusted input. */
    static String brief(Object value) {
        String s = write(value);
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static void write(StringBuilder b, Object v, int depth) {
        if (depth > MAX_DEPTH) {
            // also what a map that contains itself ends as
            throw new IllegalArgumentException("JSON value nests deeper than " + MAX_DEPTH + " levels");
        }
        switch (v) {
            case null -> b.append("null");
            case String s -> string(b, s);
            case Boolean x -> b.append(x.booleanValue());
            case Integer x -> b.append(x.intValue());
            case Long x -> b.append(x.longValue());
            case Float x -> {
                if (!Float.isFinite(x)) {
                    throw new IllegalArgumentException("JSON has no number for the float " + x);
                }
                // Float.toString is the shortest text that parses back to exactly this float
                b.append(Float.toString(x));
            }
            case Double x -> {
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException("JSON has no number for the double " + x);
                }
                b.append(Double.toString(x));
            }
            case Numeral n -> b.append(n.literal());
            case int[] a -> {
                b.append('[');
                for (int i = 0; i < a.length; i++) {
                    b.append(i == 0 ? "" : ",").append(a[i]);
                }
                b.append(']');
            }
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException("JSON object keys must be strings, got " + e.getKey());
                    }
                    b.append(first ? "" : ",");
                    string(b, key);
                    b.append(':');
                    write(b, e.getValue(), depth + 1);
                    first = false;
                }
                b.append('}');
            }
            case Collection<?> c -> {
                b.append('[');
                boolean first = true;
                for (Object e : c) {
                    b.append(first ? "" : ",");
                    write(b, e, depth + 1);
                    first = false;
                }
                b.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getName()
                    + " as JSON: expected a map, collection, int[], string, number, boolean or null");
        }
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        // UTF-8 cannot encode it: the file would silently hold '?' instead
                        throw new IllegalArgumentException("string \"" + s + "\" has an unpaired surrogate at index " + i);
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    // ---------------------------------------------------------------- parsing

    /**
     * Parses one JSON document (surrounding whitespace allowed).
     *
     * @param what names the text in error messages, such as {@code "model.safetensors: header"}
     * @throws ModelFormatException naming {@code what}, the character position and what was expected
     */
    public static Object parse(String text, String what) throws ModelFormatException {
        Json p = new Json(text, what);
        p.whitespace();
        Object v = p.value(0);
        p.whitespace();
        if (p.pos < text.length()) {
            throw p.error("expected the end of the document but found " + p.describe(p.pos));
        }
        return v;
    }

    private Object value(int depth) throws ModelFormatException {
        if (++values > MAX_VALUES) {
            throw error("more than " + MAX_VALUES + " values in one document");
        }
        if (pos >= text.length()) {
            throw error("expected a value but the text ended");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> word("true", Boolean.TRUE);
            case 'f' -> word("false", Boolean.FALSE);
            case 'n' -> word("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("expected a value but found " + describe(pos));
            }
        };
    }

    private Map<String, Object> object(int depth) throws ModelFormatException {
        checkDepth(depth);
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        whitespace();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            whitespace();
            if (peek() != '"') {
                throw error("expected a string key but found " + describe(pos));
            }
            int keyAt = pos;
            String key = string();
            whitespace();
            expect(':');
            whitespace();
            Object v = value(depth);
            if (m.containsKey(key)) {
                pos = keyAt;
                throw error("duplicate key \"" + key + "\"");
            }
            m.put(key, v);
            whitespace();
            char c = peek();
            pos++;
            if (c == '}') {
                return m;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' but found " + describe(pos));
            }
        }
    }

    private List<Object> array(int depth) throws ModelFormatException {
        checkDepth(depth);
        pos++;
        List<Object> a = new ArrayList<>();
        whitespace();
        if (peek() == ']') {
            pos++;
            return a;
        }
        while (true) {
            whitespace();
            a.add(value(depth));
            whitespace();
            char c = peek();
            pos++;
            if (c == ']') {
                return a;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' but found " + describe(pos));
            }
        }
    }

    private void checkDepth(int depth) throws ModelFormatException {
        if (depth > MAX_DEPTH) {
            throw error("arrays and objects nest deeper than " + MAX_DEPTH + " levels");
        }
    }

    private String string() throws ModelFormatException {
        int start = pos;
        pos++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                pos = start;
                throw error("string is not closed");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return b.toString();
            }
            if (c < 0x20) {
                throw error("control character " + describe(pos) + " inside a string: it must be escaped");
            }
            if (c != '\\') {
                b.append(c);
                pos++;
                continue;
            }
            pos++;
            char e = peek();
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    int at = pos - 1;
                    char u = hex4();
                    if (Character.isHighSurrogate(u)) {
                        if (!text.startsWith("\\u", pos)) {
                            pos = at;
                            throw error("\\u escape of a high surrogate is not followed by a low surrogate");
                        }
                        pos++;
                        char low = hex4();
                        if (!Character.isLowSurrogate(low)) {
                            pos = at;
                            throw error("\\u escape of a high surrogate is not followed by a low surrogate");
                        }
                        b.append(u).append(low);
                    } else if (Character.isLowSurrogate(u)) {
                        pos = at;
                        throw error("\\u escape of a low surrogate without a high surrogate before it");
                    } else {
                        b.append(u);
                    }
                    continue;
                }
                default -> {
                    pos--;
                    throw error("invalid escape " + describe(pos + 1) + " after a backslash");
                }
            }
            pos++;
        }
    }

    /** Reads the four hex digits after {@code \\u} (pos on the 'u'), leaving pos after them. */
    private char hex4() throws ModelFormatException {
        pos++;
        if (pos + 4 > text.length()) {
            throw error("\\u escape needs four hex digits");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) {
                pos += i;
                throw error("\\u escape needs four hex digits, found " + describe(pos));
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Numeral number() throws ModelFormatException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("number has a leading zero");
            }
        } else {
            digits("a digit");
        }
        if (peek() == '.') {
            pos++;
            digits("a digit after the decimal point");
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            digits("a digit in the exponent");
        }
        if (pos - start > MAX_NUMBER_LENGTH) {
            pos = start;
            throw error("number is longer than " + MAX_NUMBER_LENGTH + " characters");
        }
        return new Numeral(text.substring(start, pos));
    }

    private void digits(String expected) throws ModelFormatException {
        if (!isDigit(peek())) {
            throw error("expected " + expected + " but found " + describe(pos));
        }
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Object word(String word, Object value) throws ModelFormatException {
        if (!text.startsWith(word, pos)) {
            throw error("expected a value but found " + describe(pos));
        }
        pos += word.length();
        return value;
    }

    private void expect(char c) throws ModelFormatException {
        if (peek() != c) {
            throw error("expected '" + c + "' but found " + describe(pos));
        }
        pos++;
    }

    /** The character at pos, or 0 past the end (never valid where a character is tested). */
    private char peek() {
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private void whitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describe(int at) {
        if (at >= text.length()) {
            return "the end of the text";
        }
        char c = text.charAt(at);
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format(Locale.ROOT, "U+%04X", (int) c);
    }

    private ModelFormatException error(String message) {
        return new ModelFormatException(what + ": invalid JSON at character " + pos + ": " + message);
    }
}
