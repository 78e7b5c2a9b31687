package io.spillway.certs;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.spillway.identity.CertificateAuthority;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spillway certs}: makes a namespace's certificate Secrets current (the Helm chart's pre-install and
 * pre-upgrade hook Job when {@code security.certificates.source} is {@code generate}; docs/deploy.md, "Security").
 * Exit 0 when every Secret is current, 1 when the API server refused or could not be reached or a Secret is not
 * ours (the named reason first), 2 for bad arguments.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Keep a CA and the identities' certificates in Kubernetes Secrets (kubernetes.io/tls: tls.crt, "
        + "tls.key, ca.crt): create what is missing, re-issue what expires within --renew-before or names other "
        + "identities, leave the rest alone.")
public final class CertsCommand implements Callable<Integer> {
    /** Exit status when a Secret could not be made current. */
    public static final int FAILED = 1;

    @Spec
    @Nullable CommandSpec spec;

    @Option(names = "--namespace", description = "the Secrets' namespace (default: the pod's own)")
    @Nullable String namespace;

    @Option(names = "--ca-secret", required = true, description = "the Secret that keeps the CA's certificate and "
        + "key (tls.crt, tls.key): created once, then only read")
    String caSecret = "";

    @Option(names = "--ca-common-name", description = "the CA's CN when it is created (default: the Secret's name)")
    @Nullable String caCommonName;

    @Option(names = "--ca-validity", converter = DurationConverter.class, defaultValue = "87600h",
        description = "the CA's lifetime when it is created (default: ${DEFAULT-VALUE})")
    Duration caValidity = Duration.ofDays(3650);

    @Option(names = "--issue", required = true, converter = LeafSpec.Converter.class, paramLabel = "SPEC",
        description = "one leaf: SECRET;cn=NAME;uri=U1,U2;dns=H1,H2 (cn defaults to SECRET; at least one uri)")
    List<LeafSpec> leaves = List.of();

    @Option(names = "--validity", converter = DurationConverter.class, defaultValue = "2160h",
        description = "a leaf's lifetime (default: ${DEFAULT-VALUE})")
    Duration validity = Duration.ofDays(90);

    @Option(names = "--renew-before", converter = DurationConverter.class, defaultValue = "720h",
        description = "re-issue a leaf that expires within this (default: ${DEFAULT-VALUE})")
    Duration renewBefore = Duration.ofDays(30);

    private final Supplier<KubernetesClient> clients;
    private final Clock clock;

    /** The command as the image runs it: the pod's in-cluster configuration, the system clock. */
    public CertsCommand() {
        this(CertsCommand::inClusterClient, Clock.systemUTC());
    }

    public CertsCommand(Supplier<KubernetesClient> clients, Clock clock) {
        this.clients = clients;
        this.clock = clock;
    }

    /** The leaves asked for, once parsed. */
    public List<LeafSpec> leaves() {
        return leaves;
    }

    public String caSecret() {
        return caSecret;
    }

    public @Nullable String namespace() {
        return namespace;
    }

    public Duration validity() {
        return validity;
    }

    public Duration renewBefore() {
        return renewBefore;
    }

    /** Parses {@code args} as the image would (no API call): for checks of the command lines others write. */
    public static CertsCommand parse(String... args) {
        CertsCommand c = new CertsCommand(() -> {
            throw new IllegalStateException("parse only");
        }, Clock.systemUTC());
        CommandLine line = new CommandLine(c);
        line.parseArgs(args);
        c.validate();
        return c;
    }

    private void validate() {
        CommandLine line = spec == null ? new CommandLine(this) : spec.commandLine();
        if (renewBefore.compareTo(validity) >= 0) {
            throw new ParameterException(line, "--renew-before " + renewBefore + " must be shorter than --validity "
                + validity + " (each run would re-issue every leaf)");
        }
        long distinct = leaves.stream().map(LeafSpec::secret).distinct().count();
        if (distinct != leaves.size() || leaves.stream().anyMatch(l -> l.secret().equals(caSecret))) {
            throw new ParameterException(line, "each --issue must name its own Secret, other than --ca-secret "
                + caSecret);
        }
    }

    @Override
    public Integer call() {
        validate();
        CommandSpec s = Objects.requireNonNull(spec, "spec");
        PrintWriter out = s.commandLine().getOut();
        PrintWriter err = s.commandLine().getErr();
        Map<CertificateSecrets.Outcome, Integer> counts = new EnumMap<>(CertificateSecrets.Outcome.class);
        try (KubernetesClient client = clients.get()) {
            String ns = namespace != null ? namespace : client.getNamespace();
            if (ns == null || ns.isBlank()) {
                throw new ParameterException(s.commandLine(), "no --namespace, and the client knows none");
            }
            CertificateSecrets secrets = new CertificateSecrets(client, ns, clock);
            CertificateSecrets.Authority authority = secrets.authority(caSecret,
                caCommonName != null ? caCommonName : caSecret, caValidity);
            report(out, counts, ns, caSecret, authority.outcome());
            CertificateAuthority ca = authority.ca();
            Duration caLeft = Duration.between(clock.instant(), ca.certificate().getNotAfter().toInstant());
            if (caLeft.compareTo(validity) < 0) {
                err.println("certs: warning: the CA in " + ns + "/" + caSecret + " expires in " + caLeft.toDays()
                    + " days, before a new leaf would; leaves end with it (docs/deploy.md: rotating the CA)");
            }
            for (LeafSpec leaf : leaves) {
                report(out, counts, ns, leaf.secret(), secrets.ensure(ca, leaf, validity, renewBefore));
            }
        } catch (CertsFailure e) {
            err.println("certs: " + e.reason() + ": " + e.getMessage());
            out.flush();
            err.flush();
            return FAILED;
        }
        out.println("certs: " + counts.getOrDefault(CertificateSecrets.Outcome.CREATED, 0) + " created, "
            + counts.getOrDefault(CertificateSecrets.Outcome.RENEWED, 0) + " renewed, "
            + counts.getOrDefault(CertificateSecrets.Outcome.UNCHANGED, 0) + " unchanged");
        out.flush();
        return 0;
    }

    private static void report(PrintWriter out, Map<CertificateSecrets.Outcome, Integer> counts, String ns,
        String secret, CertificateSecrets.Outcome outcome) {
        counts.merge(outcome, 1, Integer::sum);
        out.println("certs: " + ns + "/" + secret + " " + outcome.name().toLowerCase(Locale.ROOT));
    }

    /** fabric8's own configuration (in a pod: the ServiceAccount's token, CA and namespace), failing fast. */
    private static KubernetesClient inClusterClient() {
        Config config = new ConfigBuilder(Config.autoConfigure(null)).withRequestRetryBackoffLimit(3)
            .withConnectionTimeout(10_000).withRequestTimeout(30_000).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CertsCommand()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("certs: " + e.getMessage());
            return FAILED;
        }).execute(args));
    }
}
