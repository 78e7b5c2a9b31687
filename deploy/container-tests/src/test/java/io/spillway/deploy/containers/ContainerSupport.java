package io.spillway.deploy.containers;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.ImagePullPolicy;
import org.testcontainers.utility.DockerImageName;

/**
 * What the container tests share: the engine check (skip with a reason, or fail under {@code CI=true}), the image
 * (built once per JVM by {@code bin/spillway image} from the distribution this reactor packaged), a pull policy that
 * never pulls, node containers as docs/deploy.md runs them, and the containers' addresses on the test's own network
 * (the only targets besides 127.0.0.1).
 */
final class ContainerSupport {
    static final String IMAGE = "spillway:latest";
    /** Images are built here, never pulled: Docker Hub is not reachable, and a pull would hide a stale build. */
    static final ImagePullPolicy NEVER_PULL = imageName -> false;
    static final Path ROOT = Path.of(System.getProperty("spillway.root", "../..")).toAbsolutePath().normalize();
    static final Path LOGS = Path.of("target", "container-logs").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static boolean imageBuilt;

    private ContainerSupport() {
    }

    /**
     * Skips the calling test with a printed reason when no Docker engine answers, unless {@code CI=true}: CI must
     * never skip these, so there it fails. Then makes sure {@link #IMAGE} is built from this checkout.
     */
    static synchronized void requireEngineAndImage() throws IOException, InterruptedException {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        boolean available;
        String why = "";
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            available = false;
            why = " (" + e + ")";
        }
        if (!available) {
            String reason = "no Docker engine answers" + why + ": the container tests need one"
                + " (deploy/image/engine.sh ensure installs docker.io and starts dockerd; .ci/run does)";
            if (ci) {
                Assertions.fail("CI=true: " + reason);
            }
            System.out.println("SKIPPED container tests: " + reason);
            Assumptions.abort(reason);
        }
        if (!imageBuilt) {
            buildImage();
            imageBuilt = true;
        }
    }

    /**
     * {@code bin/spillway image}: the base when missing, then spillway:latest from the distribution's classpath. In
     * the reactor (deploy/distribution/target/classpath.txt present) with SPILLWAY_DIST_PREBUILT=1, so that the
     * script does not start a second Maven inside this one. Its output goes to target/container-logs/image.log.
     */
    private static void buildImage() throws IOException, InterruptedException {
        Files.createDirectories(LOGS);
        Path log = LOGS.resolve("image.log");
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/spillway").toString(), "image").directory(ROOT.toFile())
            .redirectErrorStream(true).redirectOutput(log.toFile());
        if (Files.isRegularFile(ROOT.resolve("deploy/distribution/target/classpath.txt"))) {
            pb.environment().put("SPILLWAY_DIST_PREBUILT", "1");
        }
        long started = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            Assertions.fail("bin/spillway image did not finish in 15 min; see " + log);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        if (p.exitValue() != 0) {
            Assertions.fail("bin/spillway image failed (exit " + p.exitValue() + "):\n" + tail);
        }
        System.out.printf("container tests: bin/spillway image took %.1f s (log: %s)%n",
            (System.nanoTime() - started) / 1e9, log);
    }

    /**
     * A node container as docs/deploy.md runs one: 256 MB of /dev/shm (the feed's media driver), a read-only root,
     * /tmp a tmpfs that allows exec; reachable as {@code name} on {@code network}. No port is published: the test
     * reaches it at its address on the test's network.
     */
    @SuppressWarnings("resource") // closed by the test that starts it
    static GenericContainer<?> node(Network network, String name, List<String> args) {
        return new GenericContainer<>(DockerImageName.parse(IMAGE)).withImagePullPolicy(NEVER_PULL)
            .withNetwork(network).withNetworkAliases(name)
            .withCreateContainerCmdModifier(cmd -> {
                cmd.withHostName(name).withName("spillway-it-" + name + "-" + ProcessHandle.current().pid());
                var host = cmd.getHostConfig();
                if (host != null) {
                    host.withReadonlyRootfs(true);
                }
            })
            .withSharedMemorySize(256L << 20).withTmpFs(Map.of("/tmp", "rw,exec,size=256m"))
            .withEnv("SPILLWAY_JAVA_OPTS", "-Xmx384m -XX:MaxDirectMemorySize=640m -XX:+UseSerialGC")
            .withCommand(args.toArray(String[]::new));
    }

    /** The container's address on {@code network} (created by the test): reachable from this host on Linux. */
    static String ip(GenericContainer<?> c, Network network) {
        InspectContainerResponse info = c.getContainerInfo();
        for (ContainerNetwork n : info.getNetworkSettings().getNetworks().values()) {
            if (network.getId().equals(n.getNetworkID())) {
                return n.getIpAddress();
            }
        }
        throw new IllegalStateException(c.getContainerName() + " is not on network " + network.getId());
    }

    /** GET {@code url}: its status and body, or status -1 when it cannot be reached. */
    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code url} every 200 ms until it answers 200; fails after {@code limit}. Returns the seconds waited. */
    static double awaitOk(String url, Duration limit, GenericContainer<?> c) throws InterruptedException {
        long start = System.nanoTime();
        String last = "";
        while (System.nanoTime() - start < limit.toNanos()) {
            if (!c.isRunning()) {
                Assertions.fail(c.getContainerName() + " exited while waiting for " + url);
            }
            try {
                HttpResponse<String> r = get(url);
                if (r.statusCode() == 200) {
                    return (System.nanoTime() - start) / 1e9;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        return Assertions.fail(url + " did not answer 200 within " + limit + " (last: " + last + ")");
    }

    /**
     * Writes each container's log to target/container-logs/{@code test}/NAME.log (a killed container's too), then
     * stops and removes the containers and the network, whatever failed.
     */
    static void saveLogsAndClose(String test, Map<String, GenericContainer<?>> containers, Network network) {
        Path dir = LOGS.resolve(test);
        List<Throwable> errors = new ArrayList<>();
        for (Map.Entry<String, GenericContainer<?>> e : containers.entrySet()) {
            GenericContainer<?> c = e.getValue();
            try {
                if (c.getContainerId() != null) {
                    Files.createDirectories(dir);
                    Files.writeString(dir.resolve(e.getKey() + ".log"), c.getLogs(), StandardCharsets.UTF_8);
                }
            } catch (IOException | RuntimeException ex) {
                errors.add(ex);
            }
            try {
                c.stop();
            } catch (RuntimeException ex) {
                errors.add(ex);
            }
        }
        try {
            network.close();
        } catch (RuntimeException ex) {
            errors.add(ex);
        }
        errors.forEach(ex -> System.out.println("container tests: clean-up: " + ex));
    }
}
