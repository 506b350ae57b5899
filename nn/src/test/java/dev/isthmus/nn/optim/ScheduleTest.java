package dev.isthmus.nn.optim;

import static dev.isthmus.nn.optim.OptimizerTest.rejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isthmus.nn.optim.LearningRateSchedule.Constant;
import dev.isthmus.nn.optim.LearningRateSchedule.Cosine;
import dev.isthmus.nn.optim.LearningRateSchedule.ExponentialDecay;
import dev.isthmus.nn.optim.LearningRateSchedule.InverseSqrt;
import dev.isthmus.nn.optim.LearningRateSchedule.LinearWarmup;
import dev.isthmus.nn.optim.LearningRateSchedule.OneCycle;
import dev.isthmus.nn.optim.LearningRateSchedule.StepDecay;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    static final double EPS = 1e-15;

    @Test
    void constant() {
        Constant c = new Constant(0.1);
        assertEquals(0.1, c.rate(0, 0));
        assertEquals(0.1, c.rate(99, 123456));
        assertEquals("constant(lr=0.1)", c.describe());
    }

    @Test
    void stepDecayMultipliesByGammaEveryFewEpochs() {
        StepDecay s = new StepDecay(0.1, 30, 0.1);
        assertEquals(0.1, s.rate(0, 0), EPS);
        assertEquals(0.1, s.rate(29, 5000), EPS);
        assertEquals(0.01, s.rate(30, 0), EPS);
        assertEquals(0.001, s.rate(60, 0), EPS);
        assertEquals(0.001, s.rate(89, 0), EPS);
        assertEquals("step_decay(lr=0.1, every_epochs=30, gamma=0.1)", s.describe());
    }

    @Test
    void exponentialDecayIsPerEpoch() {
        ExponentialDecay e = new ExponentialDecay(0.5, 0.9);
        assertEquals(0.5, e.rate(0, 0), EPS);
        assertEquals(0.5, e.rate(0, 999), EPS, "constant within an epoch");
        assertEquals(0.5 * 0.9, e.rate(1, 0), EPS);
        assertEquals(0.5 * Math.pow(0.9, 10), e.rate(10, 10), EPS);
        assertEquals("exponential_decay(lr=0.5, gamma=0.9)", e.describe());
    }

    @Test
    void inverseSqrtOfTheStep() {
        InverseSqrt s = new InverseSqrt(0.2, 0.01);
        assertEquals(0.2, s.rate(0, 0), EPS);
        assertEquals(0.2 / Math.sqrt(2), s.rate(3, 100), EPS);
        assertEquals(0.2 / Math.sqrt(1 + 0.01 * 9999), s.rate(0, 9999), EPS);
        assertEquals("inverse_sqrt(alpha0=0.2, beta=0.01)", s.describe());
    }

    @Test
    void cosineAnnealsToTheMinimumAndStaysThere() {
        Cosine c = new Cosine(0.1, 0.001, 1000);
        assertEquals(0.1, c.rate(0, 0), EPS);
        assertEquals((0.1 + 0.001) / 2, c.rate(0, 500), EPS);
        assertEquals(0.001 + 0.099 * (1 + Math.cos(Math.PI * 0.25)) / 2, c.rate(0, 250), EPS);
        assertEquals(0.001, c.rate(0, 1000), EPS);
        assertEquals(0.001, c.rate(0, 5000), EPS);
        assertEquals("cosine(lr=0.1, min_lr=0.001, total_steps=1000)", c.describe());
    }

    @Test
    void oneCycleRisesToTheMaximumThenFallsToTheFinalRate() {
        OneCycle o = new OneCycle(0.1, 1000);
        assertEquals(300, o.warmupSteps());
        assertEquals(0.1 / 25, o.rate(0, 0), EPS);
        assertEquals((0.1 / 25 + 0.1) / 2, o.rate(0, 150), EPS);
        assertEquals(0.1, o.rate(0, 300), EPS);
        assertEquals((0.1 + 0.1 / 1e4) / 2, o.rate(0, 650), EPS);
        assertEquals(1e-5 + (0.1 - 1e-5) * (1 + Math.cos(Math.PI * 600 / 700)) / 2, o.rate(0, 900), EPS);
        assertEquals(1e-5, o.rate(0, 1000), EPS);
        assertEquals(1e-5, o.rate(0, 2000), EPS);
        assertEquals("one_cycle(max_lr=0.1, total_steps=1000, pct_start=0.3, div_factor=25.0, final_div_factor=10000.0)",
                o.describe());

        // no rise at all, and no fall at all
        OneCycle fallOnly = new OneCycle(1, 10, 0, 10, 100);
        assertEquals(1, fallOnly.rate(0, 0), EPS);
        assertEquals(0.01, fallOnly.rate(0, 10), EPS);
        OneCycle riseOnly = new OneCycle(1, 10, 1, 10, 100);
        assertEquals(0.1, riseOnly.rate(0, 0), EPS);
        assertEquals(0.1 + 0.9 * (1 - Math.cos(Math.PI * 0.9)) / 2, riseOnly.rate(0, 9), EPS);
        assertEquals(0.01, riseOnly.rate(0, 10), EPS);
    }

    @Test
    void linearWarmupRampsTheWrappedRate() {
        Cosine inner = new Cosine(0.1, 0, 1000);
        LinearWarmup w = new LinearWarmup(inner, 100);
        assertEquals(0, w.rate(0, 0), EPS);
        assertEquals(inner.rate(0, 50) * 0.5, w.rate(0, 50), EPS);
        assertEquals(inner.rate(0, 100), w.rate(0, 100), EPS);
        assertEquals(inner.rate(2, 700), w.rate(2, 700), EPS);

        LinearWarmup fromThird = new LinearWarmup(new Constant(0.3), 10, 0.25);
        assertEquals(0.075, fromThird.rate(0, 0), EPS);
        assertEquals(0.3 * (0.25 + 0.75 * 0.4), fromThird.rate(0, 4), EPS);
        assertEquals(0.3, fromThird.rate(1, 10), EPS);
        assertEquals("linear_warmup(constant(lr=0.3), warmup_steps=10, start_factor=0.25)", fromThird.describe());
    }

    @Test
    void aLambdaIsASchedule() {
        LearningRateSchedule halving = (epoch, step) -> 1.0 / (1 << epoch);
        assertEquals(0.25, new LinearWarmup(halving, 1).rate(2, 5));
        assertEquals("custom", halving.describe());
    }

    @Test
    void batchSizeSchedules() {
        BatchSizeSchedule.Constant c = new BatchSizeSchedule.Constant(64);
        assertEquals(64, c.batchSize(0));
        assertEquals(64, c.batchSize(1000));
        assertEquals("constant(size=64)", c.describe());

        BatchSizeSchedule.Grow g = new BatchSizeSchedule.Grow(32, 2, 10, 500);
        assertEquals(32, g.batchSize(0));
        assertEquals(32, g.batchSize(9));
        assertEquals(64, g.batchSize(10));
        assertEquals(256, g.batchSize(39));
        assertEquals(500, g.batchSize(40), "capped");
        assertEquals(500, g.batchSize(Integer.MAX_VALUE), "no overflow far out");
        assertEquals("grow(start=32, factor=2, every_epochs=10, max=500)", g.describe());
    }

    @Test
    void badArgumentsAreRejectedByName() {
        rejected(() -> new Constant(-0.1), "constant schedule", "lr", "-0.1");
        rejected(() -> new Constant(Double.NaN), "lr", "NaN");
        rejected(() -> new StepDecay(0.1, 0, 0.5), "step decay", "everyEpochs", "got 0");
        rejected(() -> new StepDecay(0.1, 10, 0), "gamma", "(0, 1]", "0.0");
        rejected(() -> new ExponentialDecay(0.1, 1.5), "exponential decay", "gamma", "1.5");
        rejected(() -> new InverseSqrt(0.1, -1), "inverse square root", "beta", "-1.0");
        rejected(() -> new InverseSqrt(-0.1, 1), "alpha0", "-0.1");
        rejected(() -> new Cosine(0.1, 0.2, 100), "cosine", "minLr 0.2", "lr 0.1");
        rejected(() -> new Cosine(0.1, 0, 0), "cosine", "totalSteps", "got 0");
        rejected(() -> new OneCycle(0, 100), "one-cycle", "maxLr", "0.0");
        rejected(() -> new OneCycle(0.1, 0), "one-cycle", "totalSteps", "got 0");
        rejected(() -> new OneCycle(0.1, 100, 1.5, 25, 1e4), "pctStart", "1.5");
        rejected(() -> new OneCycle(0.1, 100, 0.3, 0.5, 1e4), "divFactor", "0.5");
        rejected(() -> new OneCycle(0.1, 100, 0.3, 25, 0), "finalDivFactor", "0.0");
        rejected(() -> new LinearWarmup(null, 10), "wrapped schedule is null");
        rejected(() -> new LinearWarmup(new Constant(1), 0), "warmupSteps", "got 0");
        rejected(() -> new LinearWarmup(new Constant(1), 5, -0.5), "startFactor", "-0.5");
        rejected(() -> new Constant(0.1).rate(-1, 0), "constant schedule", "epoch -1");
        rejected(() -> new Cosine(0.1, 0, 10).rate(0, -3), "cosine schedule", "step -3");
        rejected(() -> new BatchSizeSchedule.Constant(0), "batch size", "size", "got 0");
        rejected(() -> new BatchSizeSchedule.Grow(32, 1, 10, 512), "factor", "got 1");
        rejected(() -> new BatchSizeSchedule.Grow(32, 2, 0, 512), "everyEpochs", "got 0");
        rejected(() -> new BatchSizeSchedule.Grow(32, 2, 10, 16), "max 16", "start 32");
        rejected(() -> new BatchSizeSchedule.Grow(32, 2, 10, 64).batchSize(-2), "epoch", "-2");
    }
}
