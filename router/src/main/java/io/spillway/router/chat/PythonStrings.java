package io.spillway.router.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods on strings, as chat templates call them ({@code message.content.startswith('<tool')},
 * {@code content.split('</think>')[-1].lstrip('\n')}): Jinjava would otherwise call Java's {@code String} methods,
 * which lack most of these names and differ in the rest ({@code split} takes a regular expression and drops trailing
 * empty strings; {@code strip} takes no characters). Sits first in the template engine's resolver chain and resolves
 * only a call on a string of one of these names; anything else goes on down the chain.
 */
final class PythonStrings extends ELResolver {
    /** Python's {@code str.isspace()} characters: what {@code strip()}, {@code split()} take as whitespace. */
    static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\u001C' && c <= '\u001F') || c == '\u0085'
            || c == '\u00A0' || c == '\u1680' || (c >= '\u2000' && c <= '\u200A') || c == '\u2028' || c == '\u2029'
            || c == '\u202F' || c == '\u205F' || c == '\u3000';
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || !(method instanceof String name)) {
            return null;
        }
        Object[] p = params == null ? new Object[0] : params;
        Object result = call(s, name, p);
        if (result != NOT_A_METHOD) {
            context.setPropertyResolved(true);
            return result;
        }
        return null;
    }

    private static final Object NOT_A_METHOD = new Object();

    private static Object call(String s, String name, Object[] p) {
        return switch (name) {
            case "startswith" -> affix(s, p, true);
            case "endswith" -> affix(s, p, false);
            case "strip" -> strip(s, chars(p), true, true);
            case "lstrip" -> strip(s, chars(p), true, false);
            case "rstrip" -> strip(s, chars(p), false, true);
            case "split" -> split(s, p);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, p);
            case "find" -> (long) s.indexOf(text(p, 0));
            case "count" -> count(s, text(p, 0));
            case "removeprefix" -> s.startsWith(text(p, 0)) ? s.substring(text(p, 0).length()) : s;
            case "removesuffix" -> s.endsWith(text(p, 0)) && !text(p, 0).isEmpty()
                ? s.substring(0, s.length() - text(p, 0).length()) : s;
            case "join" -> join(s, p);
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(c -> isSpace((char) c));
            default -> NOT_A_METHOD;
        };
    }

    private static String text(Object[] p, int i) {
        if (p.length <= i || p[i] == null) {
            throw new IllegalArgumentException("a string method needs argument " + (i + 1));
        }
        return p[i].toString();
    }

    /** {@code startswith}/{@code endswith}: a string or a tuple (list) of them. */
    private static boolean affix(String s, Object[] p, boolean start) {
        if (p.length > 0 && p[0] instanceof Iterable<?> options) {
            for (Object o : options) {
                if (start ? s.startsWith(String.valueOf(o)) : s.endsWith(String.valueOf(o))) {
                    return true;
                }
            }
            return false;
        }
        return start ? s.startsWith(text(p, 0)) : s.endsWith(text(p, 0));
    }

    /** The characters to strip, or null for whitespace. */
    private static String chars(Object[] p) {
        return p.length == 0 || p[0] == null ? null : p[0].toString();
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        while (left && from < to && strips(s.charAt(from), chars)) {
            from++;
        }
        while (right && to > from && strips(s.charAt(to - 1), chars)) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean strips(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** Python's {@code split()}: on runs of whitespace without a separator, else on each literal separator. */
    private static List<String> split(String s, Object[] p) {
        String sep = chars(p);
        int max = p.length > 1 && p[1] instanceof Number n ? n.intValue() : -1;
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i == s.length()) {
                    return out;
                }
                if (max >= 0 && out.size() == max) {
                    out.add(strip(s.substring(i), null, false, true));
                    return out;
                }
                int j = i;
                while (j < s.length() && !isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int from = 0;
        for (int at; (max < 0 || out.size() < max) && (at = s.indexOf(sep, from)) >= 0; from = at + sep.length()) {
            out.add(s.substring(from, at));
        }
        out.add(s.substring(from));
        return out;
    }

    private static String replace(String s, Object[] p) {
        String old = text(p, 0);
        String with = text(p, 1);
        int count = p.length > 2 && p[2] instanceof Number n ? n.intValue() : -1;
        if (count < 0) {
            return s.replace(old, with);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int done = 0, at; done < count && (at = s.indexOf(old, from)) >= 0; done++) {
            out.append(s, from, at).append(with);
            from = at + old.length();
        }
        return out.append(s.substring(from)).toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (char c : s.toCharArray()) {
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String join(String s, Object[] p) {
        if (p.length == 0 || !(p[0] instanceof Iterable<?> items)) {
            throw new IllegalArgumentException("join takes a list");
        }
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object o : items) {
            out.append(first ? "" : s).append(o);
            first = false;
        }
        return out.toString();
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
