package io.spillway.bridge;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which POSIX shared-memory segments the host backend opens by handle (a worker's host "device" memory, a connector's
 * staging ring and fence page): those named {@code /<prefix>...} with letters, digits, '.', '_' or '-' only, owned by
 * this process's user or one of {@link #owners}. A handle is 64 bytes a connector writes, so without this rule it
 * could name any segment the agent's user can open, and a load would write cluster bytes into it. The C side applies
 * the rule ({@code host_ipc_open}); CUDA and HIP handles name allocations, not files, and are not affected.
 *
 * @param prefix what every segment name starts with, after the '/'
 * @param owners uids besides this process's own whose segments may be opened
 */
public record SegmentPolicy(String prefix, List<Integer> owners) {
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,32}"); // before DEFAULT: it uses it
    /** What the bridge's own segments and the Python connector's are named with. */
    public static final String PREFIX_DEFAULT = "spillway-";
    /** Segments named {@code /spillway-...}, owned by this process's user. */
    public static final SegmentPolicy DEFAULT = new SegmentPolicy(PREFIX_DEFAULT, List.of());
    /** At most this many other owners (the C side's bound). */
    public static final int MAX_OWNERS = 64;
    public SegmentPolicy {
        if (prefix == null || !PREFIX.matcher(prefix).matches() || prefix.equals(".") || prefix.equals("..")) {
            throw new IllegalArgumentException("a segment prefix is 1 to 32 letters, digits, '.', '_' or '-', got '"
                + prefix + "'");
        }
        if (owners == null || owners.size() > MAX_OWNERS || owners.stream().anyMatch(u -> u == null || u < 0)) {
            throw new IllegalArgumentException("allowed segment owners are at most " + MAX_OWNERS + " uids >= 0, got "
                + owners);
        }
        owners = List.copyOf(owners);
    }

    int[] ownerArray() {
        return owners.stream().mapToInt(Integer::intValue).toArray();
    }
}
