package io.spillway.router.extproc;

/**
 * Whether bytes hold one whole JSON object or array (and nothing but whitespace after it): told by depth, skipping
 * strings and their escapes, without parsing values. The picker asks it of a first body piece when it cannot know
 * the mode: the whole buffered body is complete, the first piece of a streamed one is not.
 */
final class JsonEnd {
    private JsonEnd() {
    }

    static boolean complete(byte[] b, int length) {
        int i = 0;
        while (i < length && whitespace(b[i])) {
            i++;
        }
        if (i == length || (b[i] != '{' && b[i] != '[')) {
            return false;
        }
        int depth = 0;
        boolean inString = false;
        for (; i < length; i++) {
            byte c = b[i];
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    i++;
                    break;
                }
            }
        }
        if (depth != 0) {
            return false;
        }
        for (; i < length; i++) {
            if (!whitespace(b[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean whitespace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }
}
