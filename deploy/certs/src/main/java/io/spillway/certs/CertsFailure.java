package io.spillway.certs;

/** Why {@code spillway certs} stopped: a named reason (printed first) and a message that says what to do. */
public final class CertsFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The named refusals; each run prints the one that stopped it. */
    public enum Reason {
        /** the API server refused the ServiceAccount (403): RBAC */
        FORBIDDEN,
        /** the API server refused the credentials (401) */
        UNAUTHORIZED,
        /** no answer from the API server */
        API_UNREACHABLE,
        /** any other error status from the API server (e.g. 409 when two runs race) */
        API_ERROR,
        /** the CA Secret exists but holds no usable certificate and key */
        BAD_CA_SECRET,
        /** a leaf Secret exists that spillway certs did not write: it is never overwritten */
        NOT_OURS
    }

    private final Reason reason;

    public CertsFailure(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public CertsFailure(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
