package io.spillway.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The API server's refusals, and its absence, end {@code spillway certs} with a named reason and exit 1. */
@EnableKubernetesMockClient
class CertsApiErrorsTest {
    KubernetesMockServer server;
    KubernetesClient client;

    private static String[] args() {
        return CertsCommandTest.args().toArray(new String[0]);
    }

    private static String run(Supplier<KubernetesClient> clients, int expectedExit) {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new CertsCommand(clients, Clock.systemUTC())).setOut(new PrintWriter(
            new StringWriter())).setErr(new PrintWriter(err)).execute(args());
        assertEquals(expectedExit, exit, err.toString());
        return err.toString();
    }

    @Test
    void aForbiddenGetIsNamedWithTheSecretAndTheRoleItNeeds() {
        server.expect().get().withPath("/api/v1/namespaces/spillway/secrets/spillway-ca")
            .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
                "secrets \"spillway-ca\" is forbidden: User cannot get resource").build()).always();
        String err = run(() -> new KubernetesClientBuilder().withConfig(client.getConfiguration()).build(),
            CertsCommand.FAILED);
        assertTrue(err.contains("FORBIDDEN") && err.contains("get secrets/spillway-ca in namespace spillway")
            && err.contains("-certs Role"), err);
    }

    @Test
    void aForbiddenCreateIsNamedToo() {
        server.expect().post().withPath("/api/v1/namespaces/spillway/secrets")
            .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").build()).always();
        String err = run(() -> new KubernetesClientBuilder().withConfig(client.getConfiguration()).build(),
            CertsCommand.FAILED);
        assertTrue(err.contains("FORBIDDEN") && err.contains("create secrets/spillway-ca"), err);
    }

    @Test
    void anUnreachableApiServerIsNamedWithItsAddress() {
        Config config = new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0)
            .withConnectionTimeout(2_000).build();
        String url = config.getMasterUrl();
        server.destroy();
        String err = run(() -> new KubernetesClientBuilder().withConfig(config).build(), CertsCommand.FAILED);
        assertTrue(err.contains("API_UNREACHABLE") && err.contains(url), err);
    }
}
