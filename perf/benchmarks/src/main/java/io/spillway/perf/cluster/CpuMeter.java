package io.spillway.perf.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * CPU time of processes (by pid, through {@link ProcessHandle}) and of the whole machine (busy jiffies from
 * {@code /proc/stat}), read at the start and the end of a measured window, so a benchmark can say how many cores
 * each process used and how busy the machine was: the figure that shows when a throughput is CPU-bound.
 */
final class CpuMeter {
    private final long[] pids;
    private final long[] startNanos;
    private final long[] machineStart;
    private final long wallStart;

    private CpuMeter(long[] pids) {
        this.pids = pids.clone();
        this.startNanos = new long[pids.length];
        for (int i = 0; i < pids.length; i++) {
            startNanos[i] = cpuNanos(pids[i]);
        }
        this.machineStart = machineJiffies();
        this.wallStart = System.nanoTime();
    }

    /** Starts a window over {@code pids} (use {@link ProcessHandle#current()}'s pid for this JVM). */
    static CpuMeter start(long... pids) {
        return new CpuMeter(pids);
    }

    /** Ends the window: cores used per pid (CPU seconds per wall second), then the machine's busy share. */
    Reading stop() {
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double[] cores = new double[pids.length];
        for (int i = 0; i < pids.length; i++) {
            long end = cpuNanos(pids[i]);
            cores[i] = end < 0 || startNanos[i] < 0 ? Double.NaN : (end - startNanos[i]) / 1e9 / wall;
        }
        long[] machineEnd = machineJiffies();
        double busy = Double.NaN;
        if (machineStart != null && machineEnd != null) {
            long total = machineEnd[0] - machineStart[0];
            busy = total <= 0 ? Double.NaN : (machineEnd[1] - machineStart[1]) / (double) total;
        }
        return new Reading(cores, busy, Runtime.getRuntime().availableProcessors());
    }

    private static long cpuNanos(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).orElse(-1L);
    }

    /** {@code [all jiffies, busy jiffies]} of the aggregate cpu line, or null where /proc/stat is missing. */
    static long[] machineJiffies() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            return parseCpuLine(cpu);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Parses {@code cpu user nice system idle iowait irq softirq steal ...}: idle and iowait are not busy. */
    static long[] parseCpuLine(String line) {
        String[] f = line.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 5) {
            throw new IllegalArgumentException("not the aggregate cpu line of /proc/stat: " + line);
        }
        long[] v = Arrays.stream(f, 1, Math.min(f.length, 9)).mapToLong(Long::parseLong).toArray();
        long all = Arrays.stream(v).sum();
        long idle = v[3] + (v.length > 4 ? v[4] : 0);
        return new long[] {all, all - idle};
    }

    /**
     * @param cores   cores used by each pid over the window, in the order given (NaN when it could not be read)
     * @param busy    share of the machine's CPU time that was busy, 0..1 (NaN without /proc/stat)
     * @param cpus    the cores this machine has
     */
    record Reading(double[] cores, double busy, int cpus) {
        double sum() {
            double s = 0;
            for (double c : cores) {
                s += Double.isNaN(c) ? 0 : c;
            }
            return s;
        }
    }
}
