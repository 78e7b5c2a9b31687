package io.spillway.perf.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index's own count of its arrays is what it really costs the heap, give or take 20%. Measured in a JVM of its
 * own with 1 MiB G1 regions: in this one (a quarter of the machine's memory, so 4 MiB regions) the 12.6 MB table
 * of 200,000 keys would take four whole regions, a rounding of the collector rather than of the index.
 */
class IndexMemoryTest {
    private static final List<String> JVM = List.of("-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-XX:G1HeapRegionSize=1m");

    @TempDir
    Path tmp;

    @Test
    void memoryBytesMatchesTheHeapTheIndexTakes() throws IOException, InterruptedException {
        IndexMemory.Result result = runChild(200_000, 2);
        assertEquals(200_000, result.keysHeld(), result.toString());
        double ratio = (double) result.memoryBytes() / result.heapGrowth();
        assertTrue(ratio > 0.8 && ratio < 1.2, "memoryBytes / heap growth = " + ratio + ": " + result);
        assertTrue(result.bytesPerKey() < 70, result.toString());
    }

    @Test
    void aResultSurvivesItsLine() {
        IndexMemory.Result result = new IndexMemory.Result(10, 2, 3000, 100, 3200, 10, 1.5e6);
        assertEquals(result, IndexMemory.Result.fromLine(result.toLine()));
    }

    private IndexMemory.Result runChild(long keys, int locationsPerKey) throws IOException, InterruptedException {
        IndexMemory.Result result = IndexMemory.measureInChild(keys, locationsPerKey, JVM, tmp);
        System.out.println(result);
        return result;
    }
}
