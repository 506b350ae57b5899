package dev.isthmus.bench;

import dev.isthmus.kernels.Activation;
import dev.isthmus.kernels.Gemm;
import dev.isthmus.kernels.Int8Gemm;
import dev.isthmus.kernels.Int8Matrix;
import dev.isthmus.kernels.PackedMatrix;
import dev.isthmus.kernels.ScalarInt8;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A dense layer {@code k:n} at batch m, int8 against fp32 as the inference plans run them, one
 * thread: fp32 through {@link Gemm}'s few-row form with the weights as stored for m up to 32 and
 * its packed form beyond, int8 through {@link Int8Gemm}'s requantizing form (ReLU on both). At
 * batch 1 the fp32 weights of 784:1024 and 1024:1024 (3-4 MB) leave the 2 MB L2, the int8 ones fit.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Int8GemmBenchmark {
    @Param({"784:256", "256:128", "784:1024", "1024:1024"})
    String shape;

    @Param({"1", "16", "64", "256"})
    int m;

    @Param({"1"})
    int threads;

    @Param({"COOPERLAKE"})
    String coretype;

    int n;
    int k;
    float[] a;
    float[] w;
    float[] bias;
    float[] c;
    PackedMatrix packed;
    byte[] qa;
    Int8Matrix qw;
    int[] offset;
    float[] multiplier;
    byte[] qc;

    public static String baseline(String method) {
        return "fp32";
    }

    public static long flops(Map<String, String> params) {
        String[] s = params.get("shape").split(":");
        return 2 * Long.parseLong(params.get("m")) * Long.parseLong(s[0]) * Long.parseLong(s[1]);
    }

    @Setup
    public void setup() {
        ForkSetup.pin(coretype, threads);
        String[] s = shape.split(":");
        k = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        a = Inputs.uniform(m * k, 11);
        w = Inputs.uniform(k * n, 12);
        bias = Inputs.uniform(n, 13);
        c = new float[m * n];
        packed = PackedMatrix.pack(false, k, n, w, 0, n);
        SplittableRandom r = new SplittableRandom(14);
        qa = new byte[m * k];
        byte[] qwRaw = new byte[k * n];
        for (int i = 0; i < qa.length; i++) {
            qa[i] = (byte) r.nextInt(-128, 128);
        }
        for (int i = 0; i < qwRaw.length; i++) {
            qwRaw[i] = (byte) r.nextInt(-127, 128);
        }
        qw = Int8Matrix.pack(k, n, qwRaw, 0, n);
        offset = new int[n];
        multiplier = new float[n];
        for (int j = 0; j < n; j++) {
            offset[j] = r.nextInt(-5000, 5000);
            multiplier[j] = (float) (r.nextDouble(0.5, 2) / (Math.sqrt(k) * 4000));
        }
        qc = new byte[m * n];
        byte[] want = new byte[m * n];
        ScalarInt8.gemm(m, qa, 0, k, qw, offset, multiplier, -10, true, want, 0, n);
        if (!Arrays.equals(want, int8())) {
            throw new IllegalStateException("Int8Gemm differs from ScalarInt8 for " + m + " x " + shape);
        }
    }

    @Benchmark
    public float[] fp32() {
        if (m <= 32) {
            Gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, w, 0, n, 0f, c, 0, n, bias, 0, Activation.RELU, threads);
        } else {
            Gemm.sgemm(false, m, 1f, a, 0, k, packed, 0f, c, 0, n, bias, 0, Activation.RELU, threads);
        }
        return c;
    }

    @Benchmark
    public byte[] int8() {
        Int8Gemm.gemm(m, qa, 0, k, qw, offset, multiplier, -10, true, qc, 0, n, threads);
        return qc;
    }
}
