package io.spillway.event.aeron;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.driver.ext.DebugReceiveChannelEndpoint;
import io.aeron.driver.ext.DebugSendChannelEndpoint;
import io.aeron.driver.ext.LossGenerator;
import io.aeron.driver.ext.RandomLossGenerator;
import io.aeron.driver.status.SystemCounterDescriptor;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The Aeron side of an event-feed publisher or subscriber: an embedded media driver (one shared thread) with an Aeron
 * client on it, or just a client of an external driver. Fault injection ships here, behind settings, as in Aeron:
 * the embedded driver can drop a fraction of the data frames it sends or receives (Aeron's loss generators), so tests
 * and benchmarks exercise retransmission and the feed's gap handling on a real UDP path.
 *
 * <pre>{@code
 * try (FeedMedia media = FeedMedia.embedded(FeedMedia.Settings.defaults("/dev/shm/my-feed"))) {
 *     Subscription s = media.aeron().addSubscription(channel, streamId);
 * }
 * }</pre>
 */
public final class FeedMedia implements AutoCloseable {
    private static final Logger LOG = System.getLogger(FeedMedia.class.getName());

    /**
     * @param directory         the media driver's directory (created, and deleted again on close, when embedded)
     * @param idleMaxParkMicros longest sleep of the embedded driver's thread when idle: bounds added latency
     * @param sendLossRate      fraction of outgoing data frames the embedded driver drops, 0 for none
     * @param receiveLossRate   fraction of incoming data frames the embedded driver drops, 0 for none
     * @param lossSeed          seed of the loss generators; -1 seeds from the clock
     */
    public record Settings(String directory, long idleMaxParkMicros, double sendLossRate, double receiveLossRate,
                           long lossSeed) {
        public Settings {
            if (directory == null || directory.isBlank()) {
                throw new IllegalArgumentException("the media driver needs a directory");
            }
            if (idleMaxParkMicros < 1) {
                throw new IllegalArgumentException("idleMaxParkMicros must be >= 1, got " + idleMaxParkMicros);
            }
            for (double rate : new double[] {sendLossRate, receiveLossRate}) {
                if (!(rate >= 0 && rate < 1)) {
                    throw new IllegalArgumentException("a loss rate must be in [0, 1), got " + rate);
                }
            }
        }

        public static Settings defaults(String directory) {
            return new Settings(directory, 100, 0, 0, -1);
        }
    }

    private final MediaDriver driver;
    private final Aeron aeron;

    private FeedMedia(MediaDriver driver, Aeron aeron) {
        this.driver = driver;
        this.aeron = aeron;
    }

    /**
     * How every thread of the feed waits when it has nothing to do: a few spins, then sleeps doubling from 10 us up
     * to {@code maxParkMicros}, which bounds the latency each thread adds. No {@code Thread.yield()}: on small and
     * virtual machines a yielding thread is a system call a loop, and the feed's four threads (publisher, two media
     * drivers, subscriber) would take the CPU the node and the router need.
     */
    public static IdleStrategy idleStrategy(long maxParkMicros) {
        return new BackoffIdleStrategy(20, 0, TimeUnit.MICROSECONDS.toNanos(Math.min(10, maxParkMicros)),
            TimeUnit.MICROSECONDS.toNanos(maxParkMicros));
    }

    /** Starts a media driver in this process and connects a client to it. */
    public static FeedMedia embedded(Settings s) {
        long seed = s.lossSeed() == -1 ? System.nanoTime() : s.lossSeed();
        MediaDriver.Context dc = new MediaDriver.Context()
            .aeronDirectoryName(s.directory())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(idleStrategy(s.idleMaxParkMicros()))
            .errorHandler(t -> LOG.log(Level.WARNING, "event-feed media driver error", t));
        if (s.sendLossRate() > 0) {
            LossGenerator data = new RandomLossGenerator(s.sendLossRate(), seed);
            dc.sendChannelEndpointSupplier((channel, status, context) ->
                new DebugSendChannelEndpoint(channel, status, context, data, new RandomLossGenerator(0)));
        }
        if (s.receiveLossRate() > 0) {
            LossGenerator data = new RandomLossGenerator(s.receiveLossRate(), seed + 1);
            dc.receiveChannelEndpointSupplier((channel, dispatcher, status, context) ->
                new DebugReceiveChannelEndpoint(channel, dispatcher, status, context, data,
                    new RandomLossGenerator(0)));
        }
        MediaDriver driver = MediaDriver.launchEmbedded(dc);
        try {
            return new FeedMedia(driver, connect(driver.aeronDirectoryName()));
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
    }

    /** Connects to a media driver running outside this process, in {@code directory}. */
    public static FeedMedia external(String directory) {
        return new FeedMedia(null, connect(directory));
    }

    private static Aeron connect(String directory) {
        return Aeron.connect(new Aeron.Context().aeronDirectoryName(directory)
            .errorHandler(t -> LOG.log(Level.WARNING, "event-feed Aeron client error", t)));
    }

    public Aeron aeron() {
        return aeron;
    }

    /** Whether this process runs the driver. */
    public boolean isEmbedded() {
        return driver != null;
    }

    /**
     * A media-driver system counter (NAKs sent, retransmits sent, loss gap fills, ...) of the driver this client is
     * attached to: evidence that loss happened and was repaired.
     */
    public long systemCounter(SystemCounterDescriptor counter) {
        return aeron.countersReader().getCounterValue(counter.id());
    }

    public String directory() {
        return aeron.context().aeronDirectoryName();
    }

    /** Closes the client, then the embedded driver (which deletes its directory). */
    @Override
    public void close() {
        try {
            aeron.close();
        } finally {
            if (driver != null) {
                driver.close();
            }
        }
    }
}
