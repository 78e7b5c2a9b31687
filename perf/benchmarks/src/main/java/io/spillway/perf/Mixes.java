package io.spillway.perf;

/** Parses a read/write mix: {@code --mix 80:20} (reads:writes, any scale) or {@code --read-ratio 0.8}. */
public final class Mixes {
    private Mixes() {
    }

    /** The fraction of requests that are reads, from {@code R:W}; {@code 1:0} is read-only, {@code 0:1} write-only. */
    public static double parseMix(String mix) {
        String[] parts = mix.trim().split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("--mix is reads:writes, e.g. 80:20, got '" + mix + "'");
        }
        double r;
        double w;
        try {
            r = Double.parseDouble(parts[0].trim());
            w = Double.parseDouble(parts[1].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--mix is reads:writes, e.g. 80:20, got '" + mix + "'");
        }
        if (r < 0 || w < 0 || r + w == 0) {
            throw new IllegalArgumentException("--mix needs non-negative parts, not both 0, got '" + mix + "'");
        }
        return r / (r + w);
    }

    public static double checkRatio(double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("--read-ratio must be in [0, 1], got " + ratio);
        }
        return ratio;
    }
}
