package io.spillway.router.tokenize;

/** A prompt could not be tokenized: the message says why (the router then routes without prefix knowledge). */
public class TokenizeException extends RuntimeException {
    public TokenizeException(String message, Throwable cause) {
        super(message, cause);
    }

    public TokenizeException(String message) {
        super(message);
    }
}
