package dev.isthmus.nn.data;

import static dev.isthmus.nn.data.IdxTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
    @TempDir
    Path dir;

    Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("data.csv"), text);
    }

    @Test
    void readsFeaturesAndLabelByName() throws IOException {
        Path f = file("a, species ,b\n1.5,2,-3\n\n0,0,1e2\n-0.25, 1 ,4\n");
        Dataset d = Csv.read(f, "species");
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {2}, d.featureShape());
        assertEquals(3, d.classes());
        assertArrayEquals(new int[] {2, 0, 1}, d.labels());
        assertArrayEquals(new float[] {1.5f, -3f, 0f, 100f, -0.25f, 4f}, d.features());
    }

    @Test
    void readsLabelByIndexWithOtherDelimiter() throws IOException {
        Path f = file("\uFEFF\"x\";\"y\";\"label\"\n1;2;3.0\n4;5;0\n");
        Dataset d = Csv.read(f, 2, ';');
        assertArrayEquals(new int[] {3, 0}, d.labels());
        assertEquals(4, d.classes());
        assertArrayEquals(new float[] {1, 2, 4, 5}, d.features());
        assertArrayEquals(new int[] {3, 0}, Csv.read(f, "label", ';').labels());
        Path tabs = Files.writeString(dir.resolve("t.tsv"), "y\tx\n1\t0.5\n");
        assertArrayEquals(new float[] {0.5f}, Csv.read(tabs, 0, '\t').features());
    }

    @Test
    void nonNumericCellNamesLineAndColumn() throws IOException {
        Path f = file("a,b,label\n1,2,0\n3,oops,1\n");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(f, "label")),
                "line 3, column 2 ('b')", "'oops' is not a number");
        for (String cell : new String[] {"NaN", "Infinity", "1f", "0x10", "", "1.2.3", "--1"}) {
            Path g = file("a,label\n" + cell + ",1\n");
            assertMessage(assertThrows(IOException.class, () -> Csv.read(g, "label")), "line 2, column 1 ('a')",
                    "'" + cell + "'");
        }
        Path big = file("a,label\n1e39,1\n");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(big, "label")), "line 2, column 1",
                "outside the float range");
    }

    @Test
    void badLabelNamesLineAndColumn() throws IOException {
        for (String cell : new String[] {"-1", "1.5", "cat", "3e10"}) {
            Path f = file("a,label\n1,0\n2," + cell + "\n");
            assertMessage(assertThrows(IOException.class, () -> Csv.read(f, "label")),
                    "line 3, column 2 ('label')", "'" + cell + "'", "not a non-negative integer");
        }
    }

    @Test
    void wrongColumnCountNamesLine() throws IOException {
        Path f = file("a,b,label\n1,2,0\n1,2\n");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(f, "label")),
                "line 3", "2 columns", "header has 3");
        Path g = file("a,b,label\n1,2,0,7\n");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(g, "label")), "line 2", "4 columns");
    }

    @Test
    void emptyFileAndNoRows() throws IOException {
        Path empty = file("");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(empty, "label")), "empty", "header");
        Path blank = file("\n  \n");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(blank, 0)), "empty");
        Path headerOnly = file("a,label\n");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(headerOnly, "label")), "no data rows");
        Path oneColumn = file("label\n1\n");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(oneColumn, "label")), "at least one feature");
    }

    @Test
    void unknownLabelColumn() throws IOException {
        Path f = file("a,b,label\n1,2,0\n");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(f, "class")),
                "unknown label column 'class'", "[a, b, label]");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(f, 3)), "index 3", "3 columns");
        assertThrows(IllegalArgumentException.class, () -> Csv.read(f, -1));
        Path twice = file("label,b,label\n1,2,0\n");
        assertMessage(assertThrows(IOException.class, () -> Csv.read(twice, "label")), "ambiguous");
        assertThrows(IllegalArgumentException.class, () -> Csv.read(f, "label", '.'));
    }
}
