package io.spillway.server.cluster;

import io.spillway.key.BlockKey;
import java.util.Map;

/**
 * Registered namespaces shared by every member (Ignite's replicated {@code spillway-namespaces} cache): the spec,
 * as deterministic text, and the replication factor ({@code 0} = the cluster's default). Small and rarely
 * written; never holds block bytes.
 */
public interface NamespaceStore {

    /** A registered namespace: its spec text and replication factor (0 = default). */
    record Entry(String spec, int replication) {
    }

    /**
     * Registers {@code spec} under {@code id}, or, when {@code id} is already registered with the same spec and
     * {@code replication > 0} differs from the stored factor, changes the factor (which publishes a new partition
     * map). Returns the entry stored after the call: a different spec means {@code id} belongs to another namespace
     * and nothing was changed.
     */
    Entry register(BlockKey id, String spec, int replication);

    /** The entry of {@code id}, or null. */
    Entry get(BlockKey id);

    /** Every registered namespace. */
    Map<BlockKey, Entry> all();
}
