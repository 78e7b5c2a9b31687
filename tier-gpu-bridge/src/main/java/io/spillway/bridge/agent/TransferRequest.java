package io.spillway.bridge.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import java.util.Arrays;

/**
 * A {@code save} or {@code load} request, parsed and checked before any step is made (docs/vllm.md): blocks
 * {@code from ..} of the request's full blocks (keyed from its {@code tokens} and {@code extras} under the registered
 * namespace) go to or come from the worker's {@code block_ids}, in generation {@code gen}. A malformed field, or a
 * block outside the request or the worker's cache, is an {@link IllegalArgumentException} that names it.
 */
final class TransferRequest {
    final String req;
    final long generation;
    private final int[] blockIds;
    private final int from;
    private final BlockKey[] keys;

    private TransferRequest(String req, long generation, int[] blockIds, int from, BlockKey[] keys) {
        this.req = req;
        this.generation = generation;
        this.blockIds = blockIds;
        this.from = from;
        this.keys = keys;
    }

    /** {@code numBlocks}: the registered cache's blocks (or ring slots), which every block id must fall in. */
    static TransferRequest parse(JsonNode r, Namespace namespace, int numBlocks) {
        String req = Json.textField(r, "req");
        int[] blockIds = Json.ints(r.get("block_ids"), "\"block_ids\"");
        int from = Json.intField(r, "from", 0);
        long generation = Json.longField(r, "gen", 0);
        BlockKey[] all = keys(r, namespace);
        if (from < 0 || (long) from + blockIds.length > all.length) { // as a long: from near 2^31 must not wrap
            throw new IllegalArgumentException("blocks " + from + ".." + ((long) from + blockIds.length)
                + " of a request of " + all.length + " full blocks");
        }
        for (int id : blockIds) {
            if (id < 0 || id >= numBlocks) {
                throw new IllegalArgumentException("block id " + id + " is outside the worker's 0.." + (numBlocks - 1));
            }
        }
        return new TransferRequest(req, generation, blockIds, from, all);
    }

    /** The keys of a request's full blocks: its {@code tokens} and {@code extras} under {@code namespace}. */
    static BlockKey[] keys(JsonNode r, Namespace namespace) {
        return BlockKeys.chain(namespace, Json.ints(r.get("tokens"), "\"tokens\""),
            RequestExtrasJson.parse(r.get("extras")));
    }

    /** Blocks to move. */
    int blockCount() {
        return blockIds.length;
    }

    /** The worker's block ids of blocks {@code [at, to)} of this transfer. */
    int[] blockIds(int at, int to) {
        return Arrays.copyOfRange(blockIds, at, to);
    }

    /** The keys of blocks {@code [at, to)} of this transfer. */
    BlockKey[] keys(int at, int to) {
        return Arrays.copyOfRange(keys, from + at, from + to);
    }
}
