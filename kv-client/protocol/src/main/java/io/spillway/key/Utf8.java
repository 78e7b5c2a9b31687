package io.spillway.key;

import java.nio.charset.StandardCharsets;

/** Strict UTF-8 for the strings that enter a key: a malformed string is rejected, never silently replaced. */
final class Utf8 {
    private Utf8() {
    }

    /**
     * Returns the UTF-8 bytes of {@code value}. Rejects a string with an unpaired surrogate, which Java's own encoder
     * would turn into {@code '?'} (so two different strings would give one key).
     */
    static byte[] encode(String field, String value) {
        requireWellFormed(field, value);
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Rejects a string holding an unpaired UTF-16 surrogate, naming the field and the position. */
    static void requireWellFormed(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(field + " must be well-formed Unicode, got an unpaired surrogate U+"
                    + Integer.toHexString(c).toUpperCase() + " at index " + i + " in '" + value + "'");
            }
        }
    }
}
