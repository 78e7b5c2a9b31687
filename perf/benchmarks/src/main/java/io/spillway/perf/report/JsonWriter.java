package io.spillway.perf.report;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A tiny streaming JSON writer: objects, arrays, strings, numbers, booleans, null. It inserts commas itself and
 * rejects misuse (a value where a name is due, unbalanced ends), so the output is always well formed.
 * Non-finite doubles are written as {@code null} (JSON has no NaN).
 */
public final class JsonWriter {
    private enum Scope { OBJECT, ARRAY }

    private final StringBuilder out = new StringBuilder();
    private final Deque<Scope> scopes = new ArrayDeque<>();
    private final Deque<Boolean> firsts = new ArrayDeque<>();
    private boolean nameWritten;
    private boolean done;

    public JsonWriter beginObject() {
        beforeValue(true);
        out.append('{');
        scopes.push(Scope.OBJECT);
        firsts.push(true);
        return this;
    }

    public JsonWriter endObject() {
        end(Scope.OBJECT, '}');
        return this;
    }

    public JsonWriter beginArray() {
        beforeValue(true);
        out.append('[');
        scopes.push(Scope.ARRAY);
        firsts.push(true);
        return this;
    }

    public JsonWriter endArray() {
        end(Scope.ARRAY, ']');
        return this;
    }

    public JsonWriter name(String name) {
        if (scopes.peek() != Scope.OBJECT || nameWritten) {
            throw new IllegalStateException("a name is only allowed inside an object, before its value: " + name);
        }
        comma();
        string(name);
        out.append(':');
        nameWritten = true;
        return this;
    }

    public JsonWriter value(String s) {
        beforeValue(false);
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        return this;
    }

    public JsonWriter value(long v) {
        beforeValue(false);
        out.append(v);
        return this;
    }

    public JsonWriter value(double v) {
        beforeValue(false);
        if (Double.isFinite(v)) {
            out.append(v);
        } else {
            out.append("null");
        }
        return this;
    }

    public JsonWriter value(boolean v) {
        beforeValue(false);
        out.append(v);
        return this;
    }

    public JsonWriter field(String name, String v) {
        return name(name).value(v);
    }

    public JsonWriter field(String name, long v) {
        return name(name).value(v);
    }

    public JsonWriter field(String name, double v) {
        return name(name).value(v);
    }

    public JsonWriter field(String name, boolean v) {
        return name(name).value(v);
    }

    /** The document; fails if an object or array is still open. */
    public String toJson() {
        if (!scopes.isEmpty()) {
            throw new IllegalStateException("unclosed " + scopes.peek().name().toLowerCase() + " in JSON output");
        }
        return out.toString();
    }

    private void beforeValue(boolean container) {
        if (done) {
            throw new IllegalStateException("JSON document already complete");
        }
        Scope scope = scopes.peek();
        if (scope == Scope.OBJECT) {
            if (!nameWritten) {
                throw new IllegalStateException("a value inside an object needs a name first");
            }
            nameWritten = false;
        } else if (scope == Scope.ARRAY) {
            comma();
        }
        if (scope == null && !container) {
            // a top-level scalar completes the document; a container completes on its end
            done = true;
        }
    }

    private void comma() {
        if (firsts.pop()) {
            firsts.push(false);
        } else {
            firsts.push(false);
            out.append(',');
        }
    }

    private void end(Scope expected, char close) {
        if (scopes.peek() != expected || nameWritten) {
            throw new IllegalStateException("cannot end " + expected.name().toLowerCase() + " here");
        }
        scopes.pop();
        firsts.pop();
        out.append(close);
        done = scopes.isEmpty();
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
