package dev.isthmus.nn.quant;

import static dev.isthmus.nn.quant.Messages.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CalibrationTest {
    @Test
    void factoriesAndParsedFormsAgree() {
        assertEquals(new Calibration(Calibration.Method.MIN_MAX, 100), Calibration.minMax());
        assertEquals(new Calibration(Calibration.Method.MSE, 100), Calibration.mse());
        assertEquals(Calibration.minMax(), Calibration.parse("minmax"));
        assertEquals(Calibration.mse(), Calibration.parse("MSE"));
        assertEquals(Calibration.percentile(99.99), Calibration.parse("percentile"));
        assertEquals(Calibration.percentile(99.9), Calibration.parse("Percentile:99.9"));
        assertEquals(Calibration.percentile(100), Calibration.parse(" percentile:100 "));
        assertEquals(99.5, Calibration.parse("PERCENTILE:99.5").percentile());
    }

    @Test
    void toStringReadsBack() {
        assertEquals("minmax", Calibration.minMax().toString());
        assertEquals("mse", Calibration.mse().toString());
        assertEquals("percentile:99.99", Calibration.percentile(99.99).toString());
        assertEquals("percentile:100", Calibration.percentile(100).toString());
        assertEquals("percentile:50.000001", Calibration.percentile(50.000001).toString());
        for (Calibration c : new Calibration[] {Calibration.minMax(), Calibration.mse(), Calibration.percentile(99.99),
                Calibration.percentile(99.9), Calibration.percentile(100), Calibration.percentile(99.123456789)}) {
            assertEquals(c, Calibration.parse(c.toString()), c.toString());
        }
    }

    @Test
    void percentileOutsideFiftyToHundredIsRefused() {
        for (double p : new double[] {50, 49.9, 0, -1, 100.01, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertMessage(IllegalArgumentException.class, () -> Calibration.percentile(p), "(50, 100]",
                    String.valueOf(p));
        }
        assertMessage(IllegalArgumentException.class, () -> new Calibration(Calibration.Method.MSE, 99),
                "MSE", "99.0");
        assertMessage(IllegalArgumentException.class, () -> new Calibration(null, 100), "method");
    }

    @Test
    void badTextIsNamedWithTheAcceptedForms() {
        for (String s : new String[] {"", "max", "min-max", "percentile:", "percentile:abc", "percentile99",
                "mse:3"}) {
            assertMessage(IllegalArgumentException.class, () -> Calibration.parse(s), "'" + s + "'", "minmax",
                    "percentile:P", "mse");
        }
        assertMessage(IllegalArgumentException.class, () -> Calibration.parse("percentile:40"), "'percentile:40'",
                "(50, 100]", "40");
        assertMessage(IllegalArgumentException.class, () -> Calibration.parse(null), "minmax");
    }
}
