package io.spillway.bridge.agent;

/**
 * The agent's operations, a JSON object a line over its Unix socket, each answered with {@code {"ok": true, ...}}
 * or {@code {"ok": false, "error": "..."}}:
 *
 * <ul>
 *   <li>{@code register}: {@code layers, num_blocks, block_size, kv_heads, head_size, dtype_bytes, layout
 *       ("kv_first" | "block_first"), handles} (one base64 IPC handle a layer), {@code model}, optional {@code offsets}
 *       (each tensor's byte offset in its handle's allocation), {@code dtype, tp_size, tp_rank}: maps the worker's KV tensors and registers the namespace; answers {@code block_bytes}.
 *       With {@code staging: {slots, handle}} (the host-staged path, for accelerators without IPC) it maps a
 *       shared-memory ring of {@code slots} whole blocks instead, and the block ids of {@code save} and {@code load}
 *       are ring slots; the connector copies between the ring and its tensors.
 *   <li>{@code lookup}: {@code tokens}: how many of the prompt's leading full blocks the cluster holds
 *       ({@code blocks}).
 *   <li>{@code save}: {@code req, tokens, block_ids, from}: copies the worker's blocks {@code block_ids} (the
 *       prompt's blocks {@code from, from + 1, ...}) to the cluster, asynchronously.
 *   <li>{@code load}: the same fields: reads those blocks from the cluster into the worker's {@code block_ids}.
 *   <li>{@code finished}: the requests whose saves and loads ended since the last call ({@code saved, loaded}) and the
 *       worker's blocks that could not be loaded ({@code failed_blocks}: the request recomputes them), each reported in the
 *       same answer as its request's end in {@code loaded}.
 *   <li>{@code ping}.
 * </ul>
 */
final class AgentOps {
    static final String NAMES = "register, lookup, save, load, finished or ping";

    private AgentOps() {
    }
}
