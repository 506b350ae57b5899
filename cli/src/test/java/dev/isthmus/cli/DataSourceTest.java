package dev.isthmus.cli;

import dev.isthmus.nn.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSourceTest {
    @TempDir
    Path dir;

    @Test
    void withoutTheInstalledSetTheBundledSampleIsUsedAndSaidSo() throws Exception {
        DataSource s = DataSource.load(DataSource.FASHION_MNIST, 1, dir.resolve("not-installed"));
        assertTrue(s.sample());
        assertEquals(5000, s.train().size());
        assertEquals(1000, s.test().size());
        assertEquals(10, s.train().classes());
        assertEquals(FashionMnist.CLASS_NAMES, s.classNames());
        assertTrue(s.description().contains("sample"), s.description());
        StringWriter text = new StringWriter();
        TrainCommand.describeData(s, new PrintWriter(text));
        assertTrue(text.toString().contains("bundled with Isthmus"), text.toString());
        // the sample is real Fashion-MNIST: its first training label is the official file's (9, ankle boot)
        assertEquals(9, s.train().label(0));
    }
}
