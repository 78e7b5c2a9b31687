package io.spillway.router.vllm;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.zeromq.ZMQ;

/**
 * The state of one publisher's stream: its SUB socket, the last sequence number applied, and, while a gap is being
 * filled, the replay DEALER socket and the live messages held back until the replay ends. Owned by the subscriber's
 * thread.
 */
final class EndpointStream {
    /** One received message: the topic, the publisher's sequence number, the msgpack payload. */
    record Message(String topic, long seq, byte[] payload) {
    }

    final VllmPodEndpoint endpoint;
    final ZMQ.Socket sub;
    /** Pods whose events came through this stream: the ones a gap here may have left stale. */
    final Set<String> pods = new HashSet<>();
    final ArrayDeque<Message> held = new ArrayDeque<>();

    long lastSeq = -1;
    /** The topic of the last live message: replayed batches before vLLM 0.34 come without one. */
    String topic;
    ZMQ.Socket replay;
    long replayDeadlineNanos;

    /**
     * A bound SUB that many publishers connect to (llm-d's layout: each pod's vLLM connects its PUB to the
     * subscriber's address): each topic is one publisher with its own sequence, kept here, and a gap or restart
     * clears that topic's pod only. Null for a connected stream, whose one publisher's sequence is {@link #lastSeq}.
     */
    final Map<String, Long> topicSeqs;

    EndpointStream(VllmPodEndpoint endpoint, ZMQ.Socket sub, boolean bound) {
        this.endpoint = endpoint;
        this.sub = sub;
        this.topicSeqs = bound ? new HashMap<>() : null;
    }

    boolean bound() {
        return topicSeqs != null;
    }

    boolean replaying() {
        return replay != null;
    }
}
