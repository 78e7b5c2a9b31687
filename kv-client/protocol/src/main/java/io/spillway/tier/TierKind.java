package io.spillway.tier;

/** The storage tiers, in order from fastest to slowest; the ordinal is the wire value. */
public enum TierKind {
    CPU,
    NVME;

    public static TierKind fromWire(int value) {
        TierKind[] all = values();
        if (value < 0 || value >= all.length) {
            throw new IllegalArgumentException("unknown tier " + value);
        }
        return all[value];
    }
}
