package io.spillway.router.extproc;

/**
 * The endpoint picker's settings beyond the router's own: TLS on its port (null: plaintext) and the objectives'
 * priorities.
 */
public record ExtProcOptions(ExtProcServer.Tls tls, Objectives objectives) {
    public ExtProcOptions {
        if (objectives == null) {
            throw new IllegalArgumentException("ext_proc objectives must be given (Objectives.none() for none)");
        }
    }

    /** Plaintext, no objectives. */
    public static ExtProcOptions defaults() {
        return new ExtProcOptions(null, Objectives.none());
    }
}
