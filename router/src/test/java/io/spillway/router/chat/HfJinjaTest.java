package io.spillway.router.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the router's Jinja adds without Python at hand: {@code strftime_now} on an injected clock, the source rewrites
 * ({@code [::-1]}, keyword arguments), and clear failures. Rendering against Jinja2 itself is {@link
 * ChatTemplateConformanceTest}'s.
 */
class HfJinjaTest {
    private static final Clock NEW_YEAR = Clock.fixed(Instant.parse("2027-01-02T15:04:05Z"), ZoneOffset.UTC);

    private static String render(String source) {
        return new HfJinja(NEW_YEAR).render(HfJinja.adapt(source), Map.of("messages", List.of(
            Map.of("role", "system", "content", "s"), Map.of("role", "user", "content", "u"))));
    }

    @Test
    void strftimeNowReadsTheInjectedClockInTheCLocale() {
        assertEquals("02 Jan 2027, Saturday 03:04 PM, day 002, 27-01-02 15:04:05 %",
            render("{{ strftime_now('%d %b %Y, %A %I:%M %p, day %j, %y-%m-%d %H:%M:%S %%') }}"));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render("{{ strftime_now('%Q') }}"));
        assertTrue(e.getMessage().contains("%Q"), e.getMessage());
    }

    @Test
    void sourceRewritesKeepTheirMeaning() {
        assertEquals("{% for m in (messages|reverse) %}", HfJinja.adapt("{% for m in messages[::-1] %}"));
        assertEquals("{{ (a.b['c']|reverse) }}", HfJinja.adapt("{{ a.b['c'][::-1] }}"));
        assertEquals("namespace(x=(messages|length - 1), y=('a,b'), z=(f(1, 2)))",
            KeywordArguments.parenthesize("namespace(x=messages|length - 1, y='a,b', z=f(1, 2))", "namespace("));
        assertEquals("mynamespace(x=1)", KeywordArguments.parenthesize("mynamespace(x=1)", "namespace("),
            "another function's name that ends alike is left alone");
        assertEquals("namespace(x == 1)", KeywordArguments.parenthesize("namespace(x == 1)", "namespace("));
        assertEquals("usus", render("{% for m in messages[::-1] %}{{ m.content }}{% endfor %}{{ messages[-1].content }}"
            + "{% set ns = namespace(last=messages|length - 1) %}{{ messages[ns.last - 1].content }}"));
        assertEquals("", HfJinja.adapt("\n"), "Jinja2 drops a template's last newline");
    }

    @Test
    void pythonStringMethodsFollowPythonNotJava() {
        assertEquals("a|b||c|", render("{{ 'a.b..c.'.split('.')|join('|') }}"), "no regex, trailing empties kept");
        assertEquals("x|y", render("{{ ' x\u3000y '.split()|join('|') }}"), "Unicode whitespace, runs as one");
        assertEquals("hi", render("{{ '\u00a0hi\u2003'.strip() }}"), "Java's strip keeps U+00A0; Python's does not");
        assertEquals("True False", render("{{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith('b') }}"));
        assertEquals("3 0", render("{{ 'banana'.count('a') }} {{ 'banana'.find('b') }}"));
        assertEquals("a+b-c", render("{{ 'a-b-c'.replace('-', '+', 1) }}"));
    }

    @Test
    void aTemplateErrorNamesItsCause() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
            () -> render("{{ raise_exception('Conversation roles must alternate') }}"));
        assertTrue(e.getMessage().contains("raise_exception: Conversation roles must alternate"), e.getMessage());
        assertThrows(ChatTemplateException.class, () -> render("{% for %}"));
        assertThrows(IllegalArgumentException.class, () -> new ChatTemplate(" ", Map.of(), "empty", NEW_YEAR));
    }
}
