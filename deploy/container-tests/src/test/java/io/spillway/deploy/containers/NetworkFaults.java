package io.spillway.deploy.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The fault harness's network faults, made inside a node container's own network namespace by {@code iptables}
 * (in the image for this: deploy/image/base-packages.txt), run as root by {@code docker exec}. The container must be
 * created with {@link #allowFaults} ({@code CAP_NET_ADMIN} in its bounding set): the node itself runs as an
 * unprivileged user with no effective capability, so only the root exec can use it. ({@code docker exec --privileged}
 * is refused by this machine's engine: "unable to apply caps: operation not permitted".) Rules live in a chain of
 * their own, {@value #CHAIN}, hooked first into INPUT and OUTPUT, so that healing is one flush and touches nothing
 * else.
 *
 * <p>{@link #cut} drops every packet to and from the given peer addresses (the other containers on the test's own
 * network, so established connections hang as on a real partition rather than being refused); the test host, the
 * network's gateway, stays reachable, so a client in the test JVM still sees both sides. Only the test's own
 * containers are ever touched. Delay or a paused container can be added here beside it.
 */
final class NetworkFaults {
    static final String CHAIN = "spillway-faults";

    private NetworkFaults() {
    }

    /** Lets the harness change {@code node}'s packet filters: adds {@code NET_ADMIN} to its capabilities. */
    static <T extends GenericContainer<?>> T allowFaults(T node) {
        node.withCreateContainerCmdModifier(cmd -> {
            HostConfig host = cmd.getHostConfig();
            if (host != null) {
                host.withCapAdd(Capability.NET_ADMIN);
            }
        });
        return node;
    }

    /**
     * Cuts {@code node} off from {@code peers} (addresses on the test's network), both directions, in one exec: every
     * rule is in place a few milliseconds after the first, so the partition starts at a moment the caller can bound by
     * the call's start and return.
     */
    static void cut(GenericContainer<?> node, Collection<String> peers) {
        StringBuilder script = new StringBuilder("set -e; ")
            .append("iptables -w 5 -S ").append(CHAIN).append(" >/dev/null 2>&1 || { iptables -w 5 -N ").append(CHAIN)
            .append("; iptables -w 5 -I INPUT 1 -j ").append(CHAIN).append("; iptables -w 5 -I OUTPUT 1 -j ")
            .append(CHAIN).append("; }; ");
        for (String peer : peers) {
            if (!peer.matches("[0-9.]+")) {
                throw new IllegalArgumentException("a peer is an IPv4 address on the test's network, not '" + peer + "'");
            }
            script.append("iptables -w 5 -A ").append(CHAIN).append(" -s ").append(peer).append(" -j DROP; ")
                .append("iptables -w 5 -A ").append(CHAIN).append(" -d ").append(peer).append(" -j DROP; ");
        }
        exec(node, "sh", "-c", script.toString());
    }

    /** Removes every fault rule of {@code node}: its links are whole again. */
    static void heal(GenericContainer<?> node) {
        iptables(node, "-F", CHAIN);
    }

    /** The rules in {@value #CHAIN} now, as {@code iptables -S} lists them. */
    static List<String> rules(GenericContainer<?> node) {
        String out = exec(node, "iptables", "-w", "5", "-S", CHAIN);
        List<String> rules = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("-A ")) {
                rules.add(line);
            }
        }
        return rules;
    }

    private static void iptables(GenericContainer<?> node, String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "iptables";
        cmd[1] = "-w";
        cmd[2] = "5";
        System.arraycopy(args, 0, cmd, 3, args.length);
        exec(node, cmd);
    }

    /** Runs {@code cmd} in {@code node} as root; its output, or a failure naming it. */
    private static String exec(GenericContainer<?> node, String... cmd) {
        DockerClient docker = DockerClientFactory.instance().client();
        ExecCreateCmdResponse created = docker.execCreateCmd(node.getContainerId()).withUser("root")
            .withAttachStdout(true).withAttachStderr(true).withCmd(cmd).exec();
        StringBuilder out = new StringBuilder();
        try (ResultCallback.Adapter<Frame> done = docker.execStartCmd(created.getId())
            .exec(new ResultCallback.Adapter<>() {
                @Override
                public void onNext(Frame frame) {
                    synchronized (out) {
                        out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                    }
                }
            })) {
            if (!done.awaitCompletion(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(String.join(" ", cmd) + " in " + node.getContainerName()
                    + " did not finish in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        } catch (IOException e) {
            throw new IllegalStateException("closing the exec stream of " + String.join(" ", cmd), e);
        }
        Long exit = docker.inspectExecCmd(created.getId()).exec().getExitCodeLong();
        String text;
        synchronized (out) {
            text = out.toString();
        }
        if (exit == null || exit != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " in " + node.getContainerName() + " exited "
                + exit + ": " + text.strip());
        }
        return text;
    }
}
