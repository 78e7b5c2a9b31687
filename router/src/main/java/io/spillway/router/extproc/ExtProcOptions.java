package io.spillway.router.extproc;

import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import java.util.Locale;

/**
 * The endpoint picker's settings beyond the router's own: TLS on its port (null: plaintext), the objectives'
 * priorities, and the body mode to take when Envoy does not announce one (null: inferred; see {@link Exchange}).
 */
public record ExtProcOptions(ExtProcServer.Tls tls, Objectives objectives, BodySendMode assumedMode) {
    public ExtProcOptions {
        if (objectives == null) {
            throw new IllegalArgumentException("ext_proc objectives must be given (Objectives.none() for none)");
        }
    }

    public ExtProcOptions(ExtProcServer.Tls tls, Objectives objectives) {
        this(tls, objectives, null);
    }

    /** Plaintext, no objectives, the mode inferred. */
    public static ExtProcOptions defaults() {
        return new ExtProcOptions(null, Objectives.none());
    }

    /**
     * {@code --ext-proc-mode}: {@code infer} (null), or Envoy's name of the body mode its filter is configured with
     * ({@code FULL_DUPLEX_STREAMED}, {@code BUFFERED}, {@code STREAMED}, {@code NONE}; case ignored, {@code -} for
     * {@code _}).
     *
     * @throws IllegalArgumentException naming the value when it is none of those
     */
    public static BodySendMode mode(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (n.equals("INFER")) {
            return null;
        }
        return switch (n) {
            case "FULL_DUPLEX_STREAMED", "FULL_DUPLEX" -> BodySendMode.FULL_DUPLEX_STREAMED;
            case "BUFFERED" -> BodySendMode.BUFFERED;
            case "STREAMED" -> BodySendMode.STREAMED;
            case "NONE" -> BodySendMode.NONE;
            default -> throw new IllegalArgumentException("--ext-proc-mode '" + name + "': expected infer, "
                + "full-duplex-streamed, buffered, streamed or none");
        };
    }
}
