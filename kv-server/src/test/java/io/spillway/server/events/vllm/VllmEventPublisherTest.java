package io.spillway.server.events.vllm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.event.vllm.EngineBlockHash;
import io.spillway.event.vllm.VllmEvent;
import io.spillway.event.vllm.VllmEventBatch;
import io.spillway.event.vllm.VllmEventDecoder;
import io.spillway.event.vllm.VllmTopic;
import io.spillway.event.vllm.VllmWire;
import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** The out-publisher over real ZMQ sockets on 127.0.0.1, read back with kv-client's vLLM decoder. */
class VllmEventPublisherTest {
    private static final BlockKey A = BlockKey.fromHex("00112233445566778899aabbccddeeff");
    private static final BlockKey B = BlockKey.fromHex("ffeeddccbbaa99887766554433221100");

    private final ZContext context = new ZContext(1);
    private final VllmEventDecoder decoder = new VllmEventDecoder();
    private VllmEventPublisher publisher;

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close();
        }
        context.close();
    }

    @Test
    void publishedBatchesDecodeWithTheVllmDecoder() {
        publisher = ephemeral().clock(Clock.fixed(Instant.ofEpochMilli(1_500), ZoneOffset.UTC)).build();
        ZMQ.Socket sub = context.createSocket(SocketType.SUB);
        sub.setReceiveTimeOut(50);
        sub.subscribe(new byte[0]);
        sub.connect(publisher.publishEndpoint());
        awaitSubscription(sub);

        publisher.blocksStored(TierKind.CPU, new long[] {A.hi(), B.hi()}, new long[] {A.lo(), B.lo()}, 2, 16);
        publisher.blocksRemoved(TierKind.NVME, new long[] {B.hi()}, new long[] {B.lo()}, 1);
        long seq = publisher.nextSeq();
        assertEquals(1, publisher.doWork());
        List<byte[]> frames = receiveSeq(sub, seq);

        assertEquals(3, frames.size());
        VllmTopic topic = VllmTopic.parse(new String(frames.get(0), StandardCharsets.UTF_8));
        assertEquals(new VllmTopic(publisher.publishEndpoint().substring("tcp://".length()), "spillway"), topic);
        assertEquals(publisher.topic(), topic.toString());
        VllmEventBatch batch = decoder.decode(frames.get(2));
        assertEquals(1.5, batch.ts());
        assertEquals(0, batch.dataParallelRank());
        EngineBlockHash a = EngineBlockHash.ofBytes(A.toBytes());
        EngineBlockHash b = EngineBlockHash.ofBytes(B.toBytes());
        assertEquals(List.of(
            new VllmEvent.BlockStored(List.of(a, b), null, new int[0], 16, null, "CPU", null, null, null, null, null),
            new VllmEvent.BlockRemoved(List.of(b), "STORAGE", null)), batch.events());
        assertEquals(0, publisher.doWork(), "nothing left to send");
    }

    @Test
    void replayAnswersFromTheRingAndEndsWithMinusOne() {
        publisher = ephemeral().replayBatches(3).build();
        for (int i = 0; i < 5; i++) {
            publisher.blocksStored(TierKind.NVME, new long[] {i}, new long[] {i}, 1, 16);
            publisher.flush();
        }
        List<List<byte[]>> answers = replay(1);

        // The ring holds seqs 2..4: seq 1 is gone, which the requester sees as the first seq being too new.
        assertEquals(4, answers.size());
        for (int i = 0; i < 3; i++) {
            List<byte[]> frames = answers.get(i);
            assertEquals(4, frames.size(), "[empty, topic, seq, payload], as vLLM 0.34 answers");
            assertEquals(0, frames.get(0).length);
            assertEquals(publisher.topic(), new String(frames.get(1), StandardCharsets.UTF_8));
            assertEquals(2 + i, VllmWire.readSeq(frames.get(2)));
            VllmEvent.BlockStored e = (VllmEvent.BlockStored) decoder.decode(frames.get(3)).events().get(0);
            assertEquals("STORAGE", e.medium());
        }
        assertEquals(4, last(answers).size());
        assertArrayEquals(new byte[0], last(answers).get(1), "the end marker's topic is empty");
        assertEquals(VllmWire.END_OF_REPLAY, VllmWire.readSeq(last(answers).get(2)));
        assertArrayEquals(new byte[0], last(answers).get(3));
        assertEquals(1, publisher.replayRequests());
        assertEquals(3, publisher.replayedBatches());

        ZMQ.Socket dealer = context.createSocket(SocketType.DEALER);
        dealer.connect(publisher.replayEndpoint());
        dealer.send(VllmWire.seqBytes(0));
        long until = System.nanoTime() + 5_000_000_000L;
        while (publisher.badReplayRequests() == 0 && System.nanoTime() < until) {
            publisher.doWork();
        }
        assertEquals(1, publisher.badReplayRequests(), "a request without the empty delimiter is ignored");
    }

    @Test
    void longCallsSplitIntoEventsAndFullBatchesGoAtOnce() {
        publisher = ephemeral().maxEventsPerBatch(2).maxBlocksPerEvent(2).build();

        publisher.blocksStored(TierKind.CPU, new long[] {0, 1, 2, 3, 4}, new long[] {10, 11, 12, 13, 14}, 5, 16);

        assertEquals(1, publisher.batches(), "two events filled the first batch");
        assertEquals(1, publisher.flush());
        assertEquals(2, publisher.batches());
        assertEquals(3, publisher.events());
        assertEquals(2, publisher.nextSeq());
        List<List<byte[]>> answers = replay(0);
        assertEquals(3, answers.size(), "two batches and the end marker");
        List<VllmEvent> events = new ArrayList<>(decoder.decode(answers.get(0).get(3)).events());
        events.addAll(decoder.decode(answers.get(1).get(3)).events());
        assertEquals(List.of(List.of(key(0, 10), key(1, 11)), List.of(key(2, 12), key(3, 13)), List.of(key(4, 14))),
            events.stream().map(e -> ((VllmEvent.BlockStored) e).blockHashes()).toList());
        publisher.allBlocksCleared(TierKind.NVME);
        assertEquals(1, publisher.flush());
        assertEquals(0, publisher.dropped());
    }

    @Test
    void replayCanBeTurnedOff() {
        publisher = ephemeral().replayEndpoint(null).build();

        publisher.allBlocksCleared(TierKind.CPU);

        assertEquals(null, publisher.replayEndpoint());
        assertEquals(1, publisher.doWork());
    }

    @Test
    void settingsAreCheckedAtOnce() {
        assertThrows(IllegalArgumentException.class, () -> VllmEventPublisher.builder().publishEndpoint("5557"));
        assertThrows(IllegalArgumentException.class, () -> VllmEventPublisher.builder().replayBatches(0));
        assertThrows(IllegalArgumentException.class, () -> VllmEventPublisher.builder().topicPod("a@b"));
        publisher = ephemeral().topicPod("10.1.2.3:9000").model("llama").build();
        assertEquals("kv@10.1.2.3:9000@llama", publisher.topic());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> VllmEventPublisher.builder().context(context).publishEndpoint(publisher.publishEndpoint())
                .replayEndpoint(null).build());
        assertTrue(e.getMessage().contains(publisher.publishEndpoint()), e.getMessage());
        assertEquals("CPU", VllmEventPublisher.medium(TierKind.CPU));
        assertEquals("STORAGE", VllmEventPublisher.medium(TierKind.NVME));
    }

    private VllmEventPublisher.Builder ephemeral() {
        return VllmEventPublisher.builder().context(context).publishEndpoint("tcp://127.0.0.1:0")
            .replayEndpoint("tcp://127.0.0.1:0");
    }

    /** Asks the replay socket for every batch from {@code from} and collects the answers up to the end marker. */
    private List<List<byte[]>> replay(long from) {
        ZMQ.Socket dealer = context.createSocket(SocketType.DEALER);
        dealer.setReceiveTimeOut(50);
        dealer.connect(publisher.replayEndpoint());
        dealer.sendMore(new byte[0]);
        dealer.send(VllmWire.seqBytes(from));
        List<List<byte[]>> answers = new ArrayList<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((answers.isEmpty() || VllmWire.readSeq(last(answers).get(2)) != VllmWire.END_OF_REPLAY)
            && System.nanoTime() < deadline) {
            publisher.doWork();
            List<byte[]> frames = receive(dealer);
            if (frames != null) {
                answers.add(frames);
            }
        }
        dealer.close();
        return answers;
    }

    private static EngineBlockHash key(long hi, long lo) {
        return EngineBlockHash.ofBytes(new BlockKey(hi, lo).toBytes());
    }

    /** PUB drops until the subscription arrives: publish probes until one gets through. */
    private void awaitSubscription(ZMQ.Socket sub) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            publisher.allBlocksCleared(TierKind.CPU);
            publisher.flush();
            if (receive(sub) != null) {
                return;
            }
        }
        throw new AssertionError("no subscription within 5 s");
    }

    /** The message of seq {@code seq}, skipping probes still queued before it. */
    private static List<byte[]> receiveSeq(ZMQ.Socket sub, long seq) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<byte[]> frames = receive(sub);
            if (frames != null && VllmWire.readSeq(frames.get(1)) == seq) {
                return frames;
            }
        }
        throw new AssertionError("seq " + seq + " not received within 5 s");
    }

    private static List<byte[]> receive(ZMQ.Socket socket) {
        byte[] first = socket.recv();
        return first == null ? null : rest(socket, first);
    }

    private static List<byte[]> rest(ZMQ.Socket socket, byte[] first) {
        List<byte[]> frames = new ArrayList<>();
        frames.add(first);
        while (socket.hasReceiveMore()) {
            frames.add(socket.recv());
        }
        assertNotNull(frames.get(0));
        return frames;
    }

    private static <T> T last(List<T> list) {
        return list.get(list.size() - 1);
    }
}
