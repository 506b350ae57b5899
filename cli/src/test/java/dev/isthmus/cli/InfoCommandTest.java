package dev.isthmus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isthmus.blas.Blas;
import dev.isthmus.kernels.Species;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class InfoCommandTest {

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Isthmus.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void jsonReportsLanesCoreAndThreads() {
        Result r = run("info", "--json");
        assertEquals(0, r.code(), r.err());
        String json = r.out();
        assertTrue(json.trim().startsWith("{") && json.trim().endsWith("}"), json);
        assertTrue(json.contains("\"floatLanes\": " + Species.FLOAT.length()), json);
        assertTrue(json.contains("\"byteLanes\": " + Species.BYTE.length()), json);
        assertTrue(json.contains("\"threads\": "), json);
        if (Blas.available()) {
            assertTrue(json.contains("\"core\": \"" + Blas.coreName() + "\""), json);
            assertTrue(json.contains("\"config\": \"OpenBLAS"), json);
        } else {
            assertTrue(json.contains("\"reason\""), json);
        }
    }

    @Test
    void textNamesEverySection() {
        Result r = run("info");
        assertEquals(0, r.code(), r.err());
        for (String section : new String[] {"jdk:", "vector:", "cpu:", "blas:", "threads:"}) {
            assertTrue(r.out().contains(section), section + " missing in:\n" + r.out());
        }
    }

    @Test
    void unknownOptionIsAUsageErrorNamingIt() {
        Result r = run("info", "--jsn");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--jsn"), r.err());
    }

    @Test
    void unknownCommandAndMissingCommandAreUsageErrors() {
        Result unknown = run("trian");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("trian"), unknown.err());
        assertEquals(2, run().code());
    }

    @Test
    void helpExitsZero() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("info"), r.out());
    }
}
