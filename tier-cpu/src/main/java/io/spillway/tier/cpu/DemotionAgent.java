package io.spillway.tier.cpu;

import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockTier;
import io.spillway.tier.TierCounters;
import java.util.function.Consumer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;

/**
 * Hands evicted blocks to the next tier, oldest first, at most {@code batchBlocks} per duty cycle. A block is pinned
 * while the next tier copies it, so a concurrent remove cannot free it under the copy. When the next tier answers
 * {@code BACK_PRESSURE} the block stays at the head, the attempt is counted in {@code demotionFailures} and the cycle
 * ends (retried on a later cycle); any other
 * answer, or an exception, drops the block and counts it.
 *
 * <p>An Agrona {@link Agent}: {@link CpuTier} runs it on an Agrona {@code AgentRunner}
 * ({@link ThreadingMode#DEDICATED}) or its owner calls {@link #doWork()} ({@link ThreadingMode#INVOKER}); unlike
 * {@link Agent#doWork()} it throws no checked exception.
 */
final class DemotionAgent implements Agent {
    private final DemotionQueue queue;
    private final BlockTier next;
    private final TierCounters counters;
    private final Consumer<Block> release;
    private final ErrorHandler errorHandler;
    private final int batchBlocks;

    DemotionAgent(DemotionQueue queue, BlockTier next, TierCounters counters, Consumer<Block> release,
        ErrorHandler errorHandler, int batchBlocks) {
        this.queue = queue;
        this.next = next;
        this.counters = counters;
        this.release = release;
        this.errorHandler = errorHandler;
        this.batchBlocks = batchBlocks;
    }

    @Override
    public int doWork() {
        int work = 0;
        while (work < batchBlocks) {
            Block block = queue.peek();
            if (block == null) {
                break;
            }
            if (!queue.isPending(block) || !block.tryPin()) {
                queue.pollHead(); // removed or freed since it was queued
                work++;
                continue;
            }
            ErrorCode code = demote(block);
            if (code == ErrorCode.BACK_PRESSURE) {
                counters.demotionFailures.increment();
                break;
            }
            queue.pollHead();
            if (code == ErrorCode.OK) {
                counters.demotions.increment();
            } else {
                counters.dropped.increment();
            }
            if (queue.remove(block)) {
                release.accept(block);
            }
            work++;
        }
        return work;
    }

    private ErrorCode demote(Block block) {
        try {
            ErrorCode code = next.put(block.namespace, block.key, block.view(), block.crc32c);
            return code == null ? ErrorCode.INTERNAL : code;
        } catch (Throwable t) {
            errorHandler.onError(t);
            return ErrorCode.INTERNAL;
        } finally {
            block.unpin();
        }
    }

    @Override
    public String roleName() {
        return "spillway-cpu-demotion";
    }
}
