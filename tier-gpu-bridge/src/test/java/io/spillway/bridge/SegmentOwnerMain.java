package io.spillway.bridge;

import java.nio.charset.StandardCharsets;

/**
 * A process that owns one host-backend segment and waits to be killed: prints the segment's name (from its handle)
 * and blocks. {@link OrphanedSegmentsTest} runs it as a child JVM.
 */
public final class SegmentOwnerMain {
    private SegmentOwnerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        SharedSegment segment = new SharedSegment(1 << 16);
        byte[] handle = segment.handle();
        int end = 16;
        while (end < handle.length && handle[end] != 0) {
            end++;
        }
        System.out.println(new String(handle, 16, end - 16, StandardCharsets.US_ASCII));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
