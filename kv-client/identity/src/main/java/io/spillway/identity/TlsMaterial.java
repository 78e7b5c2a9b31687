package io.spillway.identity;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The live key and trust managers of one side, read from its {@link TlsFiles} and re-read on a timer of its own
 * (one daemon thread) whenever a file's content changes. Both managers are consulted at every handshake, so a
 * rotated certificate or authority bundle is used by the next connection without restarting anything; connections
 * already open keep the session they agreed. {@link #close()} stops the timer.
 */
public final class TlsMaterial implements AutoCloseable {
    private final TlsFiles files;
    private final @Nullable CertificateFiles identity;
    private final @Nullable TrustFiles trust;
    private final ScheduledExecutorService timer;

    private TlsMaterial(TlsFiles files, @Nullable CertificateFiles identity, @Nullable TrustFiles trust,
                        ScheduledExecutorService timer) {
        this.files = files;
        this.identity = identity;
        this.trust = trust;
        this.timer = timer;
    }

    /** Reads the files (an error names the bad one) and starts checking them every {@code files.refresh()}. */
    public static TlsMaterial open(String label, TlsFiles files) {
        CertificateFiles identity = files.certificate() == null ? null
            : new CertificateFiles(label, files.certificate(), files.privateKey());
        TrustFiles trust = files.trustedCertificates() == null ? null
            : new TrustFiles(label, files.trustedCertificates());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spillway-tls-files");
            t.setDaemon(true);
            return t;
        });
        long ms = files.refresh().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            if (identity != null) {
                identity.refresh();
            }
            if (trust != null) {
                trust.refresh();
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
        return new TlsMaterial(files, identity, trust, timer);
    }

    public TlsFiles files() {
        return files;
    }

    /** This side's certificate and key, or null when it has none (a token client). */
    public @Nullable X509ExtendedKeyManager keyManager() {
        return identity == null ? null : identity.keyManager();
    }

    /** The authorities this side checks the peer against, or null when it checks none. */
    public @Nullable X509ExtendedTrustManager trustManager() {
        return trust == null ? null : trust.trustManager();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
