package io.spillway.router.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Jinja engine set up as Hugging Face's chat-template environment is (transformers' {@code
 * _compile_jinja_template}, which vLLM calls): {@code trim_blocks} and {@code lstrip_blocks}, loop controls, the
 * globals {@code raise_exception} and {@code strftime_now}, the {@code tojson} filter of Python's {@code json.dumps},
 * the {@code {% generation %}} tag (rendered as its body), Python's operator precedence, Python's string methods
 * ({@link PythonStrings}) and printing ({@link PythonOutput}: {@code True}, {@code ['a']}). It is Jinjava (HubSpot's
 * Java Jinja), whose differences from Python's Jinja2 that published templates meet are mended here; the tests render
 * real templates and constructs with both and compare the text. Left as Jinjava has them: a dict literal holding
 * another directly inside {@code {{ }}} (its {@code }}} ends the expression), printing {@code none} (""), and
 * Python's string escapes other than Java's. Thread-safe: each render gets its own interpreter.
 */
final class HfJinja {
    /** Where {@code strftime_now} finds the render's clock: a context entry no template names. */
    private static final String CLOCK = "__spillway_clock__";
    /** {@code x[::-1]}, which Jinjava cannot parse: rewritten as {@code (x|reverse)}. */
    private static final Pattern REVERSED = Pattern.compile("([A-Za-z_][A-Za-z0-9_.]*(?:\\[[^\\[\\]]*\\])*)\\[::-1\\]");

    private final Jinjava jinjava;
    private final Clock clock;

    HfJinja(Clock clock) {
        this.clock = clock;
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStrings());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
            .withElResolver(resolver).withInterperterFactory(new PythonOutput()).withFailOnUnknownTokens(false)
            .withMaxOutputSize(64L << 20)
            .withLegacyOverrides(LegacyOverrides.newBuilder().withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true).withIterateOverMapKeys(true).withKeepNullableLoopValues(true)
                .withUseTrimmingForNotesAndExpressions(true).withUsePyishObjectMapper(true).build())
            .build();
        this.jinjava = new Jinjava(config);
        var globals = jinjava.getGlobalContext();
        globals.registerFunction(new ELFunctionDefinition("", "raise_exception", HfJinja.class, "raiseException",
            Object.class));
        globals.registerFunction(new ELFunctionDefinition("", "strftime_now", HfJinja.class, "strftimeNow",
            String.class));
        globals.registerFilter(new ToJson());
        globals.registerFilter(new Trim());
        globals.registerTag(new Generation());
    }

    /** The template source as Jinjava can parse it, meaning the same (see {@link #REVERSED}). */
    static String adapt(String source) {
        String s = REVERSED.matcher(source).replaceAll(m -> Matcher.quoteReplacement("(" + m.group(1) + "|reverse)"));
        s = KeywordArguments.parenthesize(s, "namespace(");
        // Jinja2 (keep_trailing_newline=False) drops one newline at the end of a template
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * Renders {@code source} (already {@link #adapt adapted}) with {@code variables}.
     *
     * @throws ChatTemplateException naming the template's first error (a {@code raise_exception} included)
     */
    String render(String source, Map<String, Object> variables) {
        Map<String, Object> context = new HashMap<>(variables);
        context.put(CLOCK, clock);
        RenderResult result;
        try {
            result = jinjava.renderForResult(source, context);
        } catch (RuntimeException e) {
            throw new ChatTemplateException("the chat template failed: " + e.getMessage(), e);
        }
        var fatal = result.getErrors().stream().filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) {
            throw new ChatTemplateException("the chat template failed: " + fatal.stream().map(HfJinja::describe)
                .collect(Collectors.joining("; ")));
        }
        return result.getOutput();
    }

    private static String describe(TemplateError e) {
        String message = e.getMessage();
        Throwable root = null;
        for (Throwable t = e.getException(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RaisedException raised) {
                message = "raise_exception: " + raised.getMessage();
                root = null;
                break;
            }
            root = t;
        }
        if (root != null && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += ": " + root.getMessage();
        }
        return message + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : "");
    }

    /** The template asked to fail ({@code raise_exception(message)}). */
    static final class RaisedException extends RuntimeException {
        RaisedException(String message) {
            super(message);
        }
    }

    public static Object raiseException(Object message) {
        throw new RaisedException(String.valueOf(message));
    }

    public static String strftimeNow(String format) {
        Object clock = JinjavaInterpreter.getCurrent().getContext().get(CLOCK);
        Clock c = clock instanceof Clock k ? k : Clock.systemDefaultZone();
        return Strftime.format(ZonedDateTime.now(c), format);
    }

    /** {@code tojson(indent=None, separators=None, sort_keys=False)} as transformers defines it. */
    private static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            boolean sort = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            return PythonJson.dumps(var, indent instanceof Number n ? n.intValue() : null, sort);
        }
    }

    /** {@code trim(chars=None)}: Python's {@code str.strip}, whose whitespace is Unicode's, not Java's. */
    private static final class Trim implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return var == null ? "" : PythonStrings.strip(var.toString(), args.length > 0 ? args[0] : null, true, true);
        }
    }

    /** transformers' {@code {% generation %}...{% endgeneration %}}: marks the assistant's part; renders its body. */
    private static final class Generation implements Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }
}
