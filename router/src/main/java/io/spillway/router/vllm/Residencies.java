package io.spillway.router.vllm;

import io.spillway.placement.index.Medium;
import java.util.Arrays;
import java.util.Objects;

/**
 * One pod's residencies and the reference counts an alias keeps of them. A residency is where a pod's publisher says
 * it holds a block: a {@link Medium} and the {@code ownership} of the tier that announced it (vLLM 0.34: {@code null}
 * for the primary tier, e.g. {@code "kvcr"} for a secondary one), so that one tier's removal never takes away a
 * copy another tier still announces. The primary residency of each medium has a fixed number (its ordinal); owned
 * ones get the next free number when first seen, up to {@link #MAX}.
 *
 * <p>An alias's counts are packed in one {@code long}, 8 bits per residency: {@link #increment} for every
 * {@code BlockStored}, {@link #decrement} for every {@code BlockRemoved}, so a block announced twice (vLLM caches the
 * same hash in two GPU blocks, one per request that computed it) stays until it was removed twice. A count saturates
 * at {@link #SATURATED}; decrements then run from there, so an alias announced more often than that leaves early: the
 * index misses a block rather than keeping one the pod dropped. Not thread-safe: the subscriber's thread.
 */
final class Residencies {
    /** Residencies per pod: 8 counts of 8 bits fill the {@code long}. */
    static final int MAX = 8;
    /** The highest count; an increment of a count already there is lost (see the class comment). */
    static final int SATURATED = 0xFF;

    private static final Medium[] MEDIA = Medium.values();

    private final Medium[] media = new Medium[MAX];
    private final String[] owners = new String[MAX];
    private int size = MEDIA.length;

    Residencies() {
        System.arraycopy(MEDIA, 0, media, 0, MEDIA.length);
    }

    /** The residency of {@code medium} announced by the tier {@code ownership} ({@code null}: the primary one). */
    int of(Medium medium, String ownership) {
        Objects.requireNonNull(medium, "medium");
        if (ownership == null) {
            return medium.ordinal();
        }
        for (int r = MEDIA.length; r < size; r++) {
            if (media[r] == medium && owners[r].equals(ownership)) {
                return r;
            }
        }
        if (size == MAX) {
            return -1;
        }
        media[size] = medium;
        owners[size] = ownership;
        return size++;
    }

    Medium medium(int residency) {
        return media[residency];
    }

    /** The media in which {@code counts} holds the block at all, a bit per {@link Medium#ordinal()}. */
    int heldMedia(long counts) {
        int bits = 0;
        for (int r = 0; r < size; r++) {
            if (count(counts, r) > 0) {
                bits |= 1 << media[r].ordinal();
            }
        }
        return bits;
    }

    static int count(long counts, int residency) {
        return (int) (counts >>> (residency * 8)) & 0xFF;
    }

    /** {@code counts} with one more at {@code residency}; unchanged when that count is {@link #SATURATED}. */
    static long increment(long counts, int residency) {
        return count(counts, residency) == SATURATED ? counts : counts + (1L << (residency * 8));
    }

    /** {@code counts} with one less at {@code residency}; unchanged when that count is 0. */
    static long decrement(long counts, int residency) {
        return count(counts, residency) == 0 ? counts : counts - (1L << (residency * 8));
    }

    @Override
    public String toString() {
        return "Residencies" + Arrays.toString(Arrays.copyOf(media, size)) + Arrays.toString(Arrays.copyOf(owners,
            size));
    }
}
