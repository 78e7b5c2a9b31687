package io.spillway.bridge;

/** A bridge call failed: the native library, the accelerator runtime or a bad argument says why. */
public final class BridgeException extends RuntimeException {
    public BridgeException(String message) {
        super(message);
    }

    public BridgeException(String message, Throwable cause) {
        super(message, cause);
    }
}
