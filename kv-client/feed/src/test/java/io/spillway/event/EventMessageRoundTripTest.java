package io.spillway.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spillway.tier.TierKind;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class EventMessageRoundTripTest {
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final EventEncoder encoder = new EventEncoder();
    private final EventMessage message = new EventMessage();

    private record Group(BlockOp op, TierKind tier, TierKind to, List<String> keys) {
    }

    @Test
    void blocksMessageCarriesItsGroupsAndHeader() {
        int length = encoder.wrap(buffer, 100, 4000).header(EventType.BLOCKS, 0xABCDEF01L, 42, 1_700_000_000_123L)
            .beginGroup(BlockOp.STORED, TierKind.CPU, null).key(1, 2).key(-1, Long.MIN_VALUE)
            .beginGroup(BlockOp.MOVED, TierKind.CPU, TierKind.NVME).key(3, 4)
            .beginGroup(BlockOp.REMOVED, TierKind.NVME, null).key(5, 6)
            .finish();
        assertEquals(32 + 3 * 8 + 4 * 16, length);

        message.wrap(buffer, 100, length);
        assertNull(message.validate());
        assertEquals(EventType.BLOCKS, message.type());
        assertEquals(0xABCDEF01L, message.sessionId());
        assertEquals(42, message.sequence());
        assertEquals(1_700_000_000_123L, message.timestampNanos());
        List<Group> groups = new ArrayList<>();
        int keys = message.forEachGroup((op, tier, to, buf, at, count) -> groups.add(new Group(op, tier, to,
            keys(buf, at, count))));
        assertEquals(4, keys);
        assertEquals(List.of(
            new Group(BlockOp.STORED, TierKind.CPU, null, List.of("1/2", "-1/" + Long.MIN_VALUE)),
            new Group(BlockOp.MOVED, TierKind.CPU, TierKind.NVME, List.of("3/4")),
            new Group(BlockOp.REMOVED, TierKind.NVME, null, List.of("5/6"))), groups);
    }

    @Test
    void keysAreTheirCanonicalBigEndianBytes() {
        int length = encoder.wrap(buffer, 0, 128).header(EventType.BLOCKS, 1, 1, 0)
            .beginGroup(BlockOp.STORED, TierKind.CPU, null).key(0x0102030405060708L, 0x090A0B0C0D0E0F10L).finish();
        byte[] key = new byte[16];
        buffer.getBytes(length - 16, key);
        assertEquals("0102030405060708090a0b0c0d0e0f10", HexFormat.of().formatHex(key));
    }

    @Test
    void heartbeatCarriesNodeIdentityAndLoad() {
        NodeLoad load = new NodeLoad("node-a", "10.0.0.7", 7601, 100, 12_345, 3, 17, 2, 99,
            List.of(new NodeLoad.TierLoad(TierKind.CPU, 1 << 20, 512, 64L << 30),
                new NodeLoad.TierLoad(TierKind.NVME, 5L << 30, 2560, 256L << 30)));
        int length = encoder.wrap(buffer, 0, 4096).header(EventType.HEARTBEAT, 7, 9, 11).status(load).finish();
        message.wrap(buffer, 0, length);
        assertNull(message.validate());
        assertEquals(load, message.status().toLoad());

        length = encoder.wrap(buffer, 0, 4096).header(EventType.NODE_JOINED, 7, 1, 11).status(load).finish();
        assertNull(message.wrap(buffer, 0, length).validate());
        assertEquals("node-a", message.status().nodeId());
        assertEquals("10.0.0.7", message.status().controlHost());
    }

    @Test
    void nodeLeftAndClearedRoundTrip() {
        int length = encoder.wrap(buffer, 0, 4096).header(EventType.NODE_LEFT, 7, 3, 0).nodeLeft("nöde-b").finish();
        assertNull(message.wrap(buffer, 0, length).validate());
        assertEquals("nöde-b", message.leftNodeId());

        length = encoder.wrap(buffer, 0, 4096).header(EventType.CLEARED, 7, 4, 0).cleared(TierKind.NVME).finish();
        assertNull(message.wrap(buffer, 0, length).validate());
        assertEquals(TierKind.NVME, message.clearedTier());

        length = encoder.wrap(buffer, 0, 4096).header(EventType.CLEARED, 7, 5, 0).cleared(null).finish();
        assertNull(message.wrap(buffer, 0, length).validate());
        assertNull(message.clearedTier());
    }

    @Test
    void encoderRefusesWhatItCannotFitOrSay() {
        encoder.wrap(buffer, 0, 32 + 8 + 16).header(EventType.BLOCKS, 1, 1, 0)
            .beginGroup(BlockOp.STORED, TierKind.CPU, null).key(1, 1);
        assertEquals(0, encoder.remaining());
        assertThrows(IllegalStateException.class, () -> encoder.key(2, 2));
        assertThrows(IllegalArgumentException.class,
            () -> encoder.wrap(buffer, 0, 4096).header(EventType.BLOCKS, 1, 1, 0)
                .beginGroup(BlockOp.MOVED, TierKind.CPU, null));
        assertThrows(IllegalArgumentException.class,
            () -> encoder.wrap(buffer, 0, 4096).header(EventType.BLOCKS, 1, 1, 0)
                .beginGroup(BlockOp.STORED, TierKind.CPU, TierKind.NVME));
        assertThrows(IllegalStateException.class,
            () -> encoder.wrap(buffer, 0, 4096).header(EventType.BLOCKS, 1, 1, 0).key(1, 1));
        assertThrows(IllegalArgumentException.class,
            () -> encoder.wrap(buffer, 0, 4096).header(EventType.NODE_LEFT, 1, 1, 0).nodeLeft(""));
        assertEquals(2, EventEncoder.keysThatFit(8 + 2 * 16 + 15));
    }

    private static List<String> keys(DirectBuffer buf, int at, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int k = at + i * EventMessage.KEY_LENGTH;
            out.add(EventMessage.keyHi(buf, k) + "/" + EventMessage.keyLo(buf, k));
        }
        return out;
    }
}
