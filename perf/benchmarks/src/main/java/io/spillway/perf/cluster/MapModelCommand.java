package io.spillway.perf.cluster;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench map-model}: the partition map's size, compute time, spread and movement for cluster
 * sizes up to hundreds of nodes (see {@link MapModel}); the measured half of docs/cluster-scaling.md.
 */
@Command(name = "map-model", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Partition-map size, compute time, partitions per node and data moved on failure/join,",
        "computed with the members' own map function for made-up clusters of any size."})
public final class MapModelCommand implements Callable<Integer> {
    @Option(names = "--nodes", split = ",", defaultValue = "1,2,3,5,10,20,50,100",
        description = "cluster sizes (default: ${DEFAULT-VALUE})")
    List<Integer> nodes;
    @Option(names = "--partitions", split = ",", defaultValue = "1024,8192",
        description = "partition counts (default: ${DEFAULT-VALUE})")
    List<Integer> partitions;
    @Option(names = "--replication", defaultValue = "2", description = "copies per block (default: ${DEFAULT-VALUE})")
    int replication;
    @Option(names = "--max-replication", defaultValue = "3",
        description = "owners listed per partition (default: ${DEFAULT-VALUE})")
    int maxReplication;
    @Option(names = "--zones", defaultValue = "3", description = "zones, nodes spread evenly (default: ${DEFAULT-VALUE})")
    int zones;
    @Option(names = "--namespaces", defaultValue = "10",
        description = "namespaces with their own replication in the map (default: ${DEFAULT-VALUE})")
    int namespaces;

    @Override
    public Integer call() {
        if (replication < 1 || maxReplication < replication || zones < 1 || namespaces < 0) {
            throw new IllegalArgumentException("need 1 <= replication <= max-replication and zones >= 1, got "
                + replication + ", " + maxReplication + ", " + zones);
        }
        print(System.out);
        return 0;
    }

    private void print(PrintStream out) {
        out.printf("map model: replication %d of %d owners listed, %d zones, %d namespaces in the map%n", replication,
            maxReplication, zones, namespaces);
        out.printf("%6s %10s %10s %11s %22s %13s %13s %11s%n", "nodes", "partitions", "map KiB", "compute ms",
            "owned per node min/mean/max", "max primaries", "moved: fail", "moved: join");
        for (int p : partitions) {
            for (int n : nodes) {
                MapModel.Row r = MapModel.measure(n, p, replication, maxReplication, zones, namespaces);
                out.printf("%6d %10d %10.1f %11.2f %8d/%7.1f/%5d %13d %12.1f%% %10.1f%%%n", r.nodes(), r.partitions(),
                    r.mapBytes() / 1024.0, r.computeMillis(), r.minOwned(), r.meanOwned(), r.maxOwned(),
                    r.maxPrimaries(), 100 * r.failureMoveShare(), 100 * r.joinMoveShare());
            }
        }
    }
}
