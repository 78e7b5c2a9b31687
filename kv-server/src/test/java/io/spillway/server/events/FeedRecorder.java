package io.spillway.server.events;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.spillway.event.BlockOp;
import io.spillway.event.EventMessage;
import io.spillway.event.EventType;
import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Test subscriber: polls a subscription, keeps every message's header and applies BLOCKS groups to per-tier sets. */
final class FeedRecorder {
    record Header(EventType type, long session, long sequence) {
    }

    final List<Header> headers = new ArrayList<>();
    final Map<TierKind, Set<BlockKey>> held = new EnumMap<>(TierKind.class);
    final List<String> groups = new ArrayList<>();
    final List<String> invalid = new ArrayList<>();
    private final Subscription subscription;
    private final EventMessage message = new EventMessage();
    private final FragmentAssembler assembler;

    FeedRecorder(Subscription subscription) {
        this.subscription = subscription;
        for (TierKind t : TierKind.values()) {
            held.put(t, new HashSet<>());
        }
        assembler = new FragmentAssembler((buffer, offset, length, header) -> {
            message.wrap(buffer, offset, length);
            String why = message.validate();
            if (why != null) {
                invalid.add(why);
                return;
            }
            headers.add(new Header(message.type(), message.sessionId(), message.sequence()));
            if (message.type() == EventType.BLOCKS) {
                message.forEachGroup((op, tier, to, buf, at, count) -> {
                    groups.add(op + " " + tier + (to == null ? "" : "->" + to) + " x" + count);
                    for (int i = 0; i < count; i++) {
                        int k = at + i * EventMessage.KEY_LENGTH;
                        BlockKey key = new BlockKey(EventMessage.keyHi(buf, k), EventMessage.keyLo(buf, k));
                        if (op == BlockOp.STORED) {
                            held.get(tier).add(key);
                        } else {
                            held.get(tier).remove(key);
                            if (op == BlockOp.MOVED) {
                                held.get(to).add(key);
                            }
                        }
                    }
                });
            }
        });
    }

    int poll() {
        return subscription.poll(assembler, 100);
    }

    Header last() {
        return headers.get(headers.size() - 1);
    }
}
