package io.spillway.server.cluster;

import io.spillway.key.BlockKey;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the replicated namespace cache, parsed: key {@code id} in hex, value
 * {@code "<replication> <epoch>\n<spec>"}. The cache is written by members, but anything that reaches Ignite can put
 * into it, so {@link #parse} answers {@code null} (with the reason in {@link #problem}) for an entry it cannot read
 * instead of throwing: one bad entry must not stop every member's map computation.
 */
record NamespaceRecord(BlockKey id, int replication, long epoch, String spec) {

    /** The entry as a record, or {@code null} when it is malformed. */
    static @Nullable NamespaceRecord parse(Object key, @Nullable Object value) {
        return problem(key, value) == null ? read((String) key, (String) value) : null;
    }

    /**
     * Why the entry cannot be read, or {@code null} when it can. Objects, not strings: the cache is typed only by
     * the code that writes it, so a writer outside Spillway can put a value of another type.
     */
    static @Nullable String problem(Object rawKey, @Nullable Object rawValue) {
        if (!(rawKey instanceof String key) || key.length() != 2 * BlockKey.BYTES || !isHex(key)) {
            return "the key is not " + 2 * BlockKey.BYTES + " hex digits";
        }
        if (!(rawValue instanceof String value)) {
            return rawValue == null ? "no value" : "the value is a " + rawValue.getClass().getName() + ", not text";
        }
        int space = value.indexOf(' ');
        int nl = value.indexOf('\n');
        if (space <= 0 || nl <= space + 1) {
            return "the value is not \"<replication> <epoch>\\n<spec>\"";
        }
        try {
            int replication = Integer.parseInt(value.substring(0, space));
            long epoch = Long.parseLong(value.substring(space + 1, nl));
            if (replication < 0 || epoch < 0) {
                return "negative replication " + replication + " or epoch " + epoch;
            }
        } catch (NumberFormatException e) {
            return "replication or epoch is not a number: " + e.getMessage();
        }
        return null;
    }

    private static NamespaceRecord read(String key, String value) {
        int space = value.indexOf(' ');
        int nl = value.indexOf('\n');
        return new NamespaceRecord(BlockKey.fromHex(key), Integer.parseInt(value.substring(0, space)),
            Long.parseLong(value.substring(space + 1, nl)), value.substring(nl + 1));
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * A cache key or value as text: a string as it is, anything else (stored by a writer outside Spillway) as
     * {@code "<class> value"}, which no parse accepts, so it is skipped as malformed and named in the log.
     */
    static String text(Object o) {
        return o instanceof String s ? s : "<" + o.getClass().getName() + "> " + o;
    }

    static String encode(int replication, long epoch, String spec) {
        return replication + " " + epoch + "\n" + spec;
    }

    NamespaceStore.Entry entry() {
        return new NamespaceStore.Entry(spec, replication);
    }
}
