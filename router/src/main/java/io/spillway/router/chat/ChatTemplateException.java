package io.spillway.router.chat;

import io.spillway.router.tokenize.TokenizeException;

/**
 * A chat template could not render a conversation (the template raised, or uses what the engine cannot run): the
 * message says why. The router then routes the request on load alone and counts it.
 */
public final class ChatTemplateException extends TokenizeException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
