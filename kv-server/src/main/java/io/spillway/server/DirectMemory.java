package io.spillway.server;

import io.netty.util.internal.OutOfDirectMemoryError;
import java.util.Locale;

/**
 * Tells an exhausted direct-memory budget apart from other errors: the JDK's {@code OutOfMemoryError} from
 * {@code ByteBuffer.allocateDirect} past {@code -XX:MaxDirectMemorySize} ("Cannot reserve N bytes of direct buffer
 * memory"), and Netty's {@link OutOfDirectMemoryError} past {@code io.netty.maxDirectMemory}. A request that meets one
 * is answered {@code RESOURCE_EXHAUSTED} and its buffers freed, so the connection and the node go on serving; any
 * other {@link Error} (a full heap among them) is left to propagate.
 */
final class DirectMemory {
    private DirectMemory() {
    }

    static boolean exhausted(Throwable t) {
        if (t instanceof OutOfDirectMemoryError) {
            return true;
        }
        if (!(t instanceof OutOfMemoryError)) {
            return false;
        }
        String message = t.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("direct buffer memory");
    }

    /** The message a client gets: what could not be allocated and why, from the error itself. */
    static String explain(String what, Throwable t) {
        return "direct memory exhausted while " + what + " (" + t.getMessage() + "); the request's buffers were "
            + "freed and nothing was kept: retry later, or with fewer blocks";
    }
}
