package dev.isthmus.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every kernel uses, chosen once at start-up from the CPU's preferred shape.
 *
 * <p>They are {@code static final} so that C2 sees them as constants: a species passed around as a
 * parameter can stop the Vector API intrinsics from inlining and make a kernel 10-100x slower.
 * System property {@value #BITS_PROPERTY} (128, 256 or 512) forces a narrower width, so that tests
 * on an AVX-512 machine also run the 256- and 128-bit code paths.
 */
public final class Species {
    /** Property forcing the vector width in bits; it may narrow the preferred width, never widen it. */
    public static final String BITS_PROPERTY = "isthmus.vector.bits";

    public static final VectorShape SHAPE = chooseShape(System.getProperty(BITS_PROPERTY));
    public static final VectorSpecies<Float> FLOAT = FloatVector.SPECIES_PREFERRED.withShape(SHAPE);
    public static final VectorSpecies<Integer> INT = IntVector.SPECIES_PREFERRED.withShape(SHAPE);
    public static final VectorSpecies<Short> SHORT = ShortVector.SPECIES_PREFERRED.withShape(SHAPE);
    public static final VectorSpecies<Byte> BYTE = ByteVector.SPECIES_PREFERRED.withShape(SHAPE);
    public static final VectorSpecies<Long> LONG = LongVector.SPECIES_PREFERRED.withShape(SHAPE);
    /**
     * Bytes that widen to whole {@link #FLOAT} vectors: as many lanes as FLOAT (a quarter of the
     * width), but at least the 64-bit shape, so with 128-bit vectors one load widens to two.
     */
    public static final VectorSpecies<Byte> BYTE_FOR_FLOAT =
            ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, SHAPE.vectorBitSize() / 4)));

    private Species() {}

    /** The shape for a {@value #BITS_PROPERTY} value (null or blank: the preferred shape). */
    static VectorShape chooseShape(String bits) {
        VectorShape preferred = VectorShape.preferredShape();
        if (bits == null || bits.isBlank()) {
            return preferred;
        }
        int requested;
        try {
            requested = Integer.parseInt(bits.trim());
        } catch (NumberFormatException e) {
            requested = -1;
        }
        if (requested != 128 && requested != 256 && requested != 512) {
            throw new IllegalArgumentException(BITS_PROPERTY + "=" + bits + " is not a vector width: use 128, 256 or 512");
        }
        if (requested > preferred.vectorBitSize()) {
            throw new IllegalArgumentException(BITS_PROPERTY + "=" + bits + " is wider than this CPU's preferred "
                    + preferred.vectorBitSize() + "-bit vectors");
        }
        return VectorShape.forBitSize(requested);
    }
}
