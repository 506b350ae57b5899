package dev.isthmus.nn.metrics;

import static dev.isthmus.nn.metrics.ConfusionMatrixTest.PREDICTED;
import static dev.isthmus.nn.metrics.ConfusionMatrixTest.TRUTH;
import static dev.isthmus.nn.metrics.ConfusionMatrixTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationReportTest {
    private static final double EPS = 1e-12;

    static EvaluationReport handWorked() {
        return EvaluationReport.of(0.75, ConfusionMatrix.of(3, TRUTH, PREDICTED), new String[] {"cat", "dog", "bird"});
    }

    @Test
    void scoresComeFromTheMatrix() {
        // the numbers are ConfusionMatrixTest's hand-worked case
        EvaluationReport r = handWorked();
        assertEquals(0.75, r.loss());
        assertEquals(0.6, r.accuracy(), EPS);
        assertEquals(10, r.samples());
        assertEquals(new EvaluationReport.ClassScores("dog", 0.5, 2.0 / 3, 4.0 / 7, 3), r.classes().get(1));
        assertEquals(11.0 / 18, r.macro().precision(), EPS);
        assertEquals(38.0 / 63, r.macro().f1(), EPS);
        assertEquals(new EvaluationReport.Scores(0.6, 0.6, 0.6), r.micro());
        assertEquals(ConfusionMatrix.of(3, TRUTH, PREDICTED), r.confusion());
        // the report holds its own copy
        r.confusion().add(new int[] {0}, new int[] {0}, 0, 1);
        assertEquals(10, r.samples());
        assertEquals("0", EvaluationReport.of(0, ConfusionMatrix.of(3, TRUTH, PREDICTED), null).classes().get(0)
                .name());
    }

    @Test
    void formatsAClassificationReport() {
        String text = handWorked().format();
        assertTrue(text.contains("loss 0.750000"), text);
        assertTrue(text.contains("accuracy 0.6000"), text);
        assertTrue(text.contains("samples 10"), text);
        assertTrue(text.matches("(?s).*dog\\s+0\\.5000\\s+0\\.6667\\s+0\\.5714\\s+3\\n.*"), text);
        assertTrue(text.matches("(?s).*macro avg\\s+0\\.6111\\s+0\\.6111\\s+0\\.6032\\s+10\\n.*"), text);
        assertTrue(text.matches("(?s).*micro avg\\s+0\\.6000\\s+0\\.6000\\s+0\\.6000\\s+10\\n.*"), text);
        assertTrue(text.matches("(?s).*true \\\\ predicted\\s+cat\\s+dog\\s+bird\\n.*"), text);
        assertTrue(text.matches("(?s).*\\nbird\\s+0\\s+1\\s+2\\n.*"), text);
    }

    @Test
    void mapsForJson() {
        Map<String, Object> m = handWorked().toMap();
        assertEquals(List.of("loss", "accuracy", "samples", "classes", "macro", "micro", "confusion_matrix"),
                List.copyOf(m.keySet()));
        assertEquals(0.75, m.get("loss"));
        assertEquals(10L, m.get("samples"));
        Map<?, ?> cat = (Map<?, ?>) ((List<?>) m.get("classes")).get(0);
        assertEquals("cat", cat.get("name"));
        assertEquals(0.5, (Double) cat.get("recall"), EPS);
        assertEquals(4L, cat.get("support"));
        assertEquals(38.0 / 63, (Double) ((Map<?, ?>) m.get("macro")).get("f1"), EPS);
        assertEquals(List.of(List.of(2L, 1L, 1L), List.of(1L, 2L, 0L), List.of(0L, 1L, 2L)),
                m.get("confusion_matrix"));
    }

    @Test
    void classNamesAreChecked() {
        ConfusionMatrix m = ConfusionMatrix.of(3, TRUTH, PREDICTED);
        assertMessage(() -> EvaluationReport.of(0, m, new String[] {"a", "b"}), "2 class names", "3 classes");
        assertMessage(() -> EvaluationReport.of(0, m, new String[] {"a", null, "c"}), "class name 1 is null");
        assertMessage(() -> EvaluationReport.of(0, null, null), "confusion matrix is null");
    }
}
