package io.spillway.perf.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * What a scaling run measured, per cluster size: each measured window (blocks/s, bytes/s, failures, the CPU each
 * process used) and the final verification of every acknowledged block.
 */
record ScaleReport(ScaleSettings settings, List<Size> sizes) {

    /** One measured window of one cluster. */
    record Window(int round, double blocksPerSec, double bytesPerSec, long getsOk, long getsFailed, long putsOk,
                  long putsFailed, long wrong, double clientCores, double nodeCores, double machineBusy) {
    }

    /** One cluster size: its windows and its verification ({@code [hits, misses, failed, wrong]}). */
    record Size(int nodes, int replication, List<Window> windows, long acked, long[] verify) {
        Size {
            windows = List.copyOf(windows);
        }

        double meanBlocksPerSec() {
            return windows.stream().mapToDouble(Window::blocksPerSec).average().orElse(0);
        }

        double meanBytesPerSec() {
            return windows.stream().mapToDouble(Window::bytesPerSec).average().orElse(0);
        }

        double minBlocksPerSec() {
            return windows.stream().mapToDouble(Window::blocksPerSec).min().orElse(0);
        }

        double maxBlocksPerSec() {
            return windows.stream().mapToDouble(Window::blocksPerSec).max().orElse(0);
        }

        double meanClientCores() {
            return windows.stream().mapToDouble(Window::clientCores).average().orElse(Double.NaN);
        }

        double meanNodeCores() {
            return windows.stream().mapToDouble(Window::nodeCores).average().orElse(Double.NaN);
        }

        double meanMachineBusy() {
            return windows.stream().mapToDouble(Window::machineBusy).average().orElse(Double.NaN);
        }

        long wrong() {
            return windows.stream().mapToLong(Window::wrong).sum() + verify[3];
        }

        long failed() {
            return windows.stream().mapToLong(w -> w.getsFailed() + w.putsFailed()).sum();
        }
    }

    /** Each size's mean throughput over the first size's (the same run's baseline). */
    double ratio(Size s) {
        double base = sizes.get(0).meanBlocksPerSec();
        return base == 0 ? Double.NaN : s.meanBlocksPerSec() / base;
    }

    /** True when no window and no verification saw a wrong byte and every acknowledged block was read back. */
    boolean passed() {
        return problems().isEmpty();
    }

    List<String> problems() {
        List<String> out = new ArrayList<>();
        for (Size s : sizes) {
            if (s.wrong() != 0) {
                out.add(s.nodes() + " nodes: " + s.wrong() + " wrong blocks");
            }
            if (s.verify()[0] != s.acked()) {
                out.add(s.nodes() + " nodes: " + s.verify()[0] + " of " + s.acked()
                    + " acknowledged blocks readable at the end");
            }
        }
        return out;
    }
}
