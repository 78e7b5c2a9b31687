package io.spillway.bridge.agent;

import io.spillway.bridge.Backend;
import java.nio.file.Path;

/**
 * An agent's settings: its control socket, the Spillway node it reaches, the accelerator backend, the pinned pool,
 * and the tenant its blocks are keyed under.
 *
 * @param socket       the Unix domain socket the worker's connector talks to
 * @param serverHost   a Spillway node's address
 * @param dataPort     its data port
 * @param controlPort  its control (gRPC) port
 * @param backend      host, cuda or hip
 * @param device       the accelerator's index
 * @param library      a runtime library file to load, or null for the usual names
 * @param slots        pinned host slots of a block each
 * @param chunkBlocks  blocks a copy-and-send step carries (steps overlap: one copies while another is on the wire)
 * @param tenant       the tenant of the namespace the blocks are keyed under
 * @param copyFaults   fault injection, host backend only: the first this-many device copies of each registration
 *                     report a failure (tests of what a failed copy does); 0 in production
 */
public record AgentContext(Path socket, String serverHost, int dataPort, int controlPort, Backend backend, int device,
                           String library, int slots, int chunkBlocks, String tenant, int copyFaults) {
    public AgentContext(Path socket, String serverHost, int dataPort, int controlPort, Backend backend, int device,
                        String library, int slots, int chunkBlocks, String tenant) {
        this(socket, serverHost, dataPort, controlPort, backend, device, library, slots, chunkBlocks, tenant, 0);
    }

    public AgentContext {
        if (socket == null || serverHost == null || serverHost.isEmpty() || backend == null) {
            throw new IllegalArgumentException("a socket path, a server and a backend are needed");
        }
        if (dataPort < 1 || dataPort > 65_535 || controlPort < 1 || controlPort > 65_535) {
            throw new IllegalArgumentException("ports must be 1..65535, got " + dataPort + " and " + controlPort);
        }
        if (slots < 1 || chunkBlocks < 1 || chunkBlocks > slots) {
            throw new IllegalArgumentException("slots (" + slots + ") and chunk blocks (" + chunkBlocks + ") must be "
                + ">= 1, a chunk no larger than the pool");
        }
        if (tenant == null || tenant.isEmpty()) {
            throw new IllegalArgumentException("a tenant is needed");
        }
        if (copyFaults < 0 || (copyFaults > 0 && backend != Backend.HOST)) {
            throw new IllegalArgumentException("copy faults (" + copyFaults + ") are >= 0, and injected on the host "
                + "backend only");
        }
    }
}
