package io.spillway.event;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.tier.TierKind;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Bad bytes get a reason from {@link EventMessage#validate}, never an exception, and never reach a handler. */
class EventMessageRejectsTest {
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final EventEncoder encoder = new EventEncoder();
    private final EventMessage message = new EventMessage();

    private int blocks() {
        return encoder.wrap(buffer, 0, 4096).header(EventType.BLOCKS, 1, 1, 0)
            .beginGroup(BlockOp.STORED, TierKind.CPU, null).key(1, 2).key(3, 4)
            .beginGroup(BlockOp.MOVED, TierKind.CPU, TierKind.NVME).key(5, 6).finish();
    }

    private int heartbeat() {
        return encoder.wrap(buffer, 0, 4096).header(EventType.HEARTBEAT, 1, 1, 0)
            .status(new NodeLoad("n", "h", 1, 100, 0, 0, 0, 0, 0,
                List.of(new NodeLoad.TierLoad(TierKind.CPU, 1, 1, 1)))).finish();
    }

    private String reason(int length) {
        return message.wrap(buffer, 0, length).validate();
    }

    @Test
    void everyTruncationIsRejected() {
        for (int full : new int[] {blocks(), heartbeat()}) {
            for (int len = 0; len < full; len++) {
                buffer.putInt(EventMessage.FRAME_LENGTH_OFFSET, len, ByteOrder.LITTLE_ENDIAN);
                assertNotNull(reason(len), "accepted a message cut to " + len + " of " + full + " bytes");
            }
        }
    }

    @Test
    void headerFieldsAreChecked() {
        int length = blocks();
        buffer.putByte(0, (byte) 'X');
        assertTrue(reason(length).contains("magic"));
        length = blocks();
        buffer.putByte(EventMessage.VERSION_OFFSET, (byte) 2);
        assertTrue(reason(length).contains("version 2"));
        length = blocks();
        buffer.putByte(EventMessage.TYPE_OFFSET, (byte) 77);
        assertTrue(reason(length).contains("type 77"));
        length = blocks();
        assertTrue(reason(length - 16).contains("frame length"));
    }

    @Test
    void groupFieldsAreChecked() {
        int g = EventMessage.HEADER_LENGTH;
        int length = blocks();
        buffer.putByte(g + EventMessage.GROUP_OP_OFFSET, (byte) 9);
        assertTrue(reason(length).contains("unknown block op 9"));
        length = blocks();
        buffer.putByte(g + EventMessage.GROUP_TIER_OFFSET, (byte) 7);
        assertTrue(reason(length).contains("unknown tier 7"));
        length = blocks();
        buffer.putByte(g + EventMessage.GROUP_TO_TIER_OFFSET, (byte) 1);
        assertTrue(reason(length).contains("to-tier"));
        length = blocks();
        buffer.putInt(g + EventMessage.GROUP_COUNT_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
        assertNotNull(reason(length));
        length = blocks();
        buffer.putInt(g + EventMessage.GROUP_COUNT_OFFSET, -1, ByteOrder.LITTLE_ENDIAN);
        assertTrue(reason(length).contains("runs past"));
        int moved = g + 8 + 32;
        length = blocks();
        buffer.putByte(moved + EventMessage.GROUP_TO_TIER_OFFSET, (byte) 0);
        assertTrue(reason(length).contains("to-tier 0"));
    }

    @Test
    void statusNamesAndTiersAreChecked() {
        int length = heartbeat();
        int body = EventMessage.HEADER_LENGTH;
        buffer.putShort(body + NodeStatus.FIXED_LENGTH_OFFSET, (short) 2000, ByteOrder.LITTLE_ENDIAN);
        assertTrue(reason(length).contains("fixed length"));
        length = heartbeat();
        buffer.putByte(body + NodeStatus.FIXED_LENGTH + NodeStatus.TIER_KIND_OFFSET, (byte) 9);
        assertTrue(reason(length).contains("unknown tier 9"));
        length = heartbeat();
        buffer.putByte(body + NodeStatus.TIER_COUNT_OFFSET, (byte) 200);
        assertTrue(reason(length).contains("tiers run past"));
    }

    @Test
    void randomCorruptionNeverThrows() {
        Random random = new Random(7);
        for (int round = 0; round < 20_000; round++) {
            int length = random.nextBoolean() ? blocks() : heartbeat();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                buffer.putByte(random.nextInt(length), (byte) random.nextInt(256));
            }
            int cut = random.nextInt(8) == 0 ? random.nextInt(length + 1) : length;
            String reason = reason(cut);
            if (reason == null) { // still well formed: reading it must stay inside the message
                switch (message.type()) {
                    case BLOCKS -> message.forEachGroup((op, tier, to, buf, at, count) -> {
                        assertTrue(at + count * 16 <= cut);
                    });
                    case HEARTBEAT, NODE_JOINED -> message.status().toLoad();
                    case NODE_LEFT -> message.leftNodeId();
                    case CLEARED -> message.clearedTier();
                    default -> throw new AssertionError();
                }
            }
        }
        assertNull(reason(blocks()));
    }
}
