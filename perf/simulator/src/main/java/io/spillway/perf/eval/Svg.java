package io.spillway.perf.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The pieces the report's inline SVG charts share: the document element, text, escaping, axis ticks and the legend.
 * Plain strings, no library and no script, so a page works offline and in any browser.
 */
final class Svg {
    /** How a legend entry shows its series: a filled box (bars), a line or a dashed line. */
    enum Swatch { BOX, LINE, DASHED }

    /** One entry of a legend: a swatch and its series' name. */
    record Key(String name, String colour, Swatch swatch) {
    }

    private Svg() {
    }

    /** The opening tag of a chart {@code width} × {@code height} pixels, with its title for screen readers. */
    static String open(String id, int width, int height, String title) {
        return String.format(Locale.ROOT, "<svg id='%s' class='chart' xmlns='http://www.w3.org/2000/svg' width='%d' "
            + "height='%d' viewBox='0 0 %d %d' role='img' aria-label='%s' font-family='sans-serif' font-size='12'>"
            + "<title>%s</title>", escape(id), width, height, width, height, escape(title), escape(title));
    }

    static String text(double x, double y, String anchor, String content) {
        return String.format(Locale.ROOT, "<text x='%.1f' y='%.1f' text-anchor='%s'>%s</text>", x, y, anchor,
            escape(content));
    }

    static String line(double x1, double y1, double x2, double y2, String stroke) {
        return String.format(Locale.ROOT, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s'/>", x1, y1, x2,
            y2, stroke);
    }

    /** A legend, one key a row, from ({@code x}, {@code y}) down. */
    static String legend(double x, double y, List<Key> keys) {
        StringBuilder s = new StringBuilder("<g class='legend'>");
        for (int i = 0; i < keys.size(); i++) {
            Key k = keys.get(i);
            double row = y + 18 * i;
            if (k.swatch() != Swatch.BOX) {
                s.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' "
                    + "stroke-width='2'%s/>", x, row - 4, x + 18, row - 4, k.colour(),
                    k.swatch() == Swatch.DASHED ? " stroke-dasharray='5,3'" : ""));
            } else {
                s.append(String.format(Locale.ROOT, "<rect x='%.1f' y='%.1f' width='12' height='12' fill='%s'/>", x,
                    row - 10, k.colour()));
            }
            s.append(text(x + 24, row, "start", k.name()));
        }
        return s.append("</g>").toString();
    }

    /** Ticks of a linear axis from 0 past {@code max}: steps of 1, 2 or 5 times a power of ten, about five of them. */
    static List<Double> linearTicks(double max) {
        double top = max > 0 ? max : 1;
        double raw = top / 5;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / power <= 1 ? power : raw / power <= 2 ? 2 * power : raw / power <= 5 ? 5 * power
            : 10 * power;
        List<Double> ticks = new ArrayList<>();
        for (int i = 0; i == 0 || ticks.get(i - 1) < top; i++) {
            ticks.add(i * step);
        }
        return ticks;
    }

    /** A value for an axis or a bar's label: thousands grouped, at most two decimals, none for whole numbers. */
    static String number(double v) {
        if (Math.abs(v) >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
            .replace("\"", "&quot;");
    }
}
