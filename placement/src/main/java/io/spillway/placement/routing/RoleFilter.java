package io.spillway.placement.routing;

import org.jspecify.annotations.Nullable;

/** llm-d's role filters ({@code decode-filter}, {@code prefill-filter}, {@code encode-filter}): see {@link PodRole}. */
public enum RoleFilter {
    DECODE("decode-filter"),
    PREFILL("prefill-filter"),
    ENCODE("encode-filter");

    private final String type;

    RoleFilter(String type) {
        this.type = type;
    }

    /** The plugin type as llm-d names it. */
    public String type() {
        return type;
    }

    public boolean admits(PodRole role) {
        return switch (this) {
            case DECODE -> role.decodes();
            case PREFILL -> role.prefills();
            case ENCODE -> role.encodes();
        };
    }

    /** The filter of a plugin type, or null when the type is none of llm-d's role filters. */
    public static @Nullable RoleFilter ofType(String type) {
        for (RoleFilter f : values()) {
            if (f.type.equals(type)) {
                return f;
            }
        }
        return null;
    }
}
