package dev.isthmus.cli;

import dev.isthmus.blas.Blas;
import dev.isthmus.kernels.Cpu;
import dev.isthmus.kernels.Species;
import dev.isthmus.kernels.Threads;
import java.util.LinkedHashMap;
import java.util.Map;

/** What Isthmus runs on: JDK, vector species, CPU features as the JVM sees them, OpenBLAS, threads. */
final class SystemInfo {
    private SystemInfo() {}

    /** The facts, in the order they are printed; JSON keys are these keys. */
    static Map<String, Object> collect() {
        Map<String, Object> info = new LinkedHashMap<>();
        String version = SystemInfo.class.getPackage().getImplementationVersion();
        info.put("isthmus", version == null ? "development build" : version);

        Map<String, Object> jdk = new LinkedHashMap<>();
        jdk.put("version", Runtime.version().toString());
        jdk.put("vendor", System.getProperty("java.vendor"));
        jdk.put("home", System.getProperty("java.home"));
        info.put("jdk", jdk);

        Map<String, Object> vector = new LinkedHashMap<>();
        vector.put("bits", Species.SHAPE.vectorBitSize());
        vector.put("forced", System.getProperty(Species.BITS_PROPERTY) != null);
        vector.put("floatLanes", Species.FLOAT.length());
        vector.put("intLanes", Species.INT.length());
        vector.put("shortLanes", Species.SHORT.length());
        vector.put("byteLanes", Species.BYTE.length());
        info.put("vector", vector);

        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("model", Cpu.model());
        cpu.put("processors", Runtime.getRuntime().availableProcessors());
        cpu.put("simd", Cpu.simdFeatures());
        info.put("cpu", cpu);

        Map<String, Object> blas = new LinkedHashMap<>();
        blas.put("available", Blas.available());
        if (Blas.available()) {
            blas.put("source", Blas.librarySource().orElseThrow());
            blas.put("path", Blas.libraryPath().orElseThrow().toString());
            blas.put("config", Blas.config().trim());
            blas.put("core", Blas.coreName());
            blas.put("threads", Blas.threads());
        } else {
            blas.put("reason", Blas.unavailableReason().orElse("unknown"));
        }
        info.put("blas", blas);

        info.put("threads", Threads.count());
        return info;
    }
}
