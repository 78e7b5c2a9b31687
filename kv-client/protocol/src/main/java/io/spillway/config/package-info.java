/**
 * Settings parsing shared by every Spillway component: {@link io.spillway.config.Sizes} reads and prints byte sizes
 * ({@code 4096}, {@code 64k}, {@code 16m}, {@code 4g}, {@code 1t}), {@link io.spillway.config.PropertyReader}
 * reads typed values from properties with errors that name the property and the value, and
 * {@link io.spillway.config.PropertySources} layers a command's settings: defaults &lt; {@code --config} file (Java
 * properties) &lt; environment ({@code SPILLWAY_*}) &lt; flags.
 *
 * <p>The pattern every component's settings follow ({@code CpuTierContext}, {@code NvmeTierContext},
 * {@code ClientContext}, {@code ServerContext}, {@code RouterContext}, {@code AgentContext}): each setting has a
 * {@code X_PROP} constant holding its property name ({@code spillway.<component>.<camelCaseName>}) and a
 * {@code X_DEFAULT} constant holding its default, stated nowhere else (command-line options carry no defaults of
 * their own); setters reject a bad value at once with an {@link java.lang.IllegalArgumentException} naming the
 * property and the value. Durations given as numbers are milliseconds and their names end in {@code Ms}
 * ({@code spillway.server.drainTimeoutMs}); below a millisecond, {@code Micros}.
 */
package io.spillway.config;
