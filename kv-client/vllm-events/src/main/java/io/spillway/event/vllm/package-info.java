/**
 * vLLM's KV-event wire format, both ways: {@link io.spillway.event.vllm.VllmEventDecoder} reads an
 * {@code EventBatch} payload in the positional and the tagged-map encodings, {@link
 * io.spillway.event.vllm.VllmEventEncoder} writes one, {@link io.spillway.event.vllm.VllmWire} holds the tags and
 * the sequence frame, {@link io.spillway.event.vllm.VllmTopic} the {@code kv@<pod>@<model>} topic. The router's
 * subscriber and the server's vLLM-format publisher both use these; the formats are in docs/events-vllm.md.
 */
package io.spillway.event.vllm;
