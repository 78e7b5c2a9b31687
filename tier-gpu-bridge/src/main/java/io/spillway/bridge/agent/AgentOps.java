package io.spillway.bridge.agent;

/**
 * The agent's operations, a JSON object a line over its Unix socket, each answered with {@code {"ok": true, ...}}
 * or {@code {"ok": false, "error": "..."}} (docs/vllm.md has the fields with examples). A process of another user
 * than the agent's (and its peer uids) gets one error line and its connection closed:
 *
 * <ul>
 *   <li>{@code register}: {@code namespace} ({@code model, dtype, block_size, layers, kv_heads, head_dim, tp_size,
 *       tp_rank, pp_size, pp_rank, layout}: everything that makes the blocks' bytes differ), {@code cache}
 *       ({@code num_blocks}; {@code regions}: the base64 IPC handles of the allocations the KV tensors live in;
 *       {@code layers}: per layer {@code [region, origin, block stride, span start, span end]} in bytes;
 *       {@code runs}: a block's {@code [offset, length]} byte runs within a layer), optional {@code fence} (the base64
 *       handle of the page the connector fences abandoned transfers with, {@link io.spillway.bridge.TransferFence}).
 *       Maps the worker's KV, refuses a layout that reaches outside its tensors or past what was mapped (naming the
 *       requested end and the mapped size) and a host-backend segment not named with the agent's prefix or owned by
 *       another user, registers the namespace; answers
 *       {@code block_bytes} and {@code namespace}. With {@code staging: {slots, block_bytes, handle}} (the
 *       host-staged path, for accelerators without IPC) it maps a shared-memory ring of {@code slots} whole blocks
 *       instead of {@code cache}, and the block ids of {@code save} and {@code load} are ring slots.
 *   <li>{@code lookup}: {@code tokens}, {@code extras}: how many of the request's leading full blocks the cluster
 *       holds ({@code blocks}).
 *   <li>{@code save}: {@code req, gen, tokens, extras, block_ids, from}: copies the worker's blocks {@code block_ids}
 *       (the request's full blocks {@code from, from + 1, ...}) to the cluster, asynchronously, unless generation
 *       {@code gen} is fenced before a copy starts or before the copied bytes are sent.
 *   <li>{@code load}: the same fields: reads those blocks from the cluster into the worker's {@code block_ids}.
 *   <li>{@code finished}: the requests whose saves and loads ended since the last call ({@code saved, loaded}) and the
 *       worker's blocks that could not be loaded ({@code failed_blocks}: the request recomputes them), each reported in the
 *       same answer as its request's end in {@code loaded}; {@code errors}: {@code {"req", "error"}} of each
 *       request one of whose device copies failed (its blocks are in {@code failed_blocks}, or its save dropped).
 *   <li>{@code stats}: the agent's counters ({@link AgentCounters}: {@code refused_peers} among them), steps in
 *       flight, copies in flight.
 *   <li>{@code ping}.
 * </ul>
 * {@code extras} is {@code {"lora", "cache_salt", "mm": [[identifier, offset, length]...], "embeds": [[offset,
 * length, hex digest]...]}}, every field optional ({@link RequestExtrasJson}).
 */
final class AgentOps {
    static final String NAMES = "register, lookup, save, load, finished, stats or ping";

    private AgentOps() {
    }
}
