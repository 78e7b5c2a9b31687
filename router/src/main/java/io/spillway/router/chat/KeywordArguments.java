package io.spillway.router.chat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinjava binds a keyword argument's {@code =} tighter than arithmetic, so {@code namespace(last=messages|length -
 * 1)} would subtract 1 from the argument, not from the length; Jinja2 takes the whole expression. Wrapping each
 * keyword argument's value of a call in parentheses gives Jinja2's reading.
 */
final class KeywordArguments {
    private KeywordArguments() {
    }

    /** Every call that starts with {@code opening} (e.g. {@code namespace(}) with its keyword values parenthesized. */
    static String parenthesize(String source, String opening) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        int from = 0;
        for (int at = source.indexOf(opening); at >= 0; at = source.indexOf(opening, from)) {
            boolean partOfName = at > 0 && (Character.isLetterOrDigit(source.charAt(at - 1))
                || source.charAt(at - 1) == '_' || source.charAt(at - 1) == '.');
            int start = at + opening.length();
            int end = partOfName ? -1 : closing(source, start);
            if (end < 0) {
                out.append(source, from, start);
                from = start;
                continue;
            }
            out.append(source, from, start).append(arguments(source.substring(start, end)));
            from = end;
        }
        return out.append(source.substring(from)).toString();
    }

    /** The index of the parenthesis closing the call whose arguments start at {@code start}, or -1. */
    private static int closing(String s, int start) {
        int depth = 0;
        char quote = 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return c == ')' ? i : -1;
                }
                depth--;
            }
        }
        return -1;
    }

    /** {@code a=x, b=y - 1} as {@code a=(x), b=(y - 1)}; positional arguments as they are. */
    private static String arguments(String args) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        char quote = 0;
        int argStart = 0;
        for (int i = 0; i <= args.length(); i++) {
            char c = i < args.length() ? args.charAt(i) : ',';
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.append(i > argStart ? argument(args.substring(argStart, i)) : "");
                if (i < args.length()) {
                    out.append(',');
                }
                argStart = i + 1;
            }
        }
        return out.toString();
    }

    private static String argument(String arg) {
        Matcher m = Pattern.compile("^(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*)=(?!=)(.*)$",
            Pattern.DOTALL).matcher(arg);
        return m.matches() ? m.group(1) + "=(" + m.group(2).strip() + ")" : arg;
    }
}
