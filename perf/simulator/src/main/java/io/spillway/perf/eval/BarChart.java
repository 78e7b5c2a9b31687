package io.spillway.perf.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Bars per category on a linear axis from 0, as inline SVG: {@link Layout#STACKED} (the series add up within a
 * category: hit tokens by tier) or {@link Layout#GROUPED} (the series side by side, each value labelled: live against
 * virtual). A category's label may have a second line (the load it was run at).
 *
 * @param id         the element's id (the page's tests find charts by it)
 * @param title      what the chart answers
 * @param yUnit      the unit of the values, named on the axis
 * @param layout     stacked or grouped
 * @param categories the bars' labels, left to right; a newline splits a label into two lines
 * @param series     the values, one a category each
 */
record BarChart(String id, String title, String yUnit, Layout layout, List<String> categories,
                List<Series> series) {
    private static final int LEFT = 90;
    private static final int TOP = 30;
    private static final int BOTTOM = 300;
    private static final int HEIGHT = 360;
    private static final int LEGEND_WIDTH = 190;

    enum Layout { STACKED, GROUPED }

    /** One series: a colour and a value per category. */
    record Series(String name, String colour, double[] values) {
    }

    BarChart {
        categories = List.copyOf(categories);
        series = List.copyOf(series);
        for (Series s : series) {
            if (s.values().length != categories.size()) {
                throw new IllegalArgumentException(s.name() + " has " + s.values().length + " values for "
                    + categories.size() + " categories");
            }
        }
    }

    String svg() {
        int slot = layout == Layout.STACKED ? 62 : Math.max(70, 34 * series.size() + 24);
        int right = LEFT + Math.max(360, slot * categories.size());
        int width = right + LEGEND_WIDTH;
        double max = 0;
        for (int c = 0; c < categories.size(); c++) {
            double sum = 0;
            for (Series s : series) {
                double v = value(s, c);
                sum += v;
                max = Math.max(max, v);
            }
            max = layout == Layout.STACKED ? Math.max(max, sum) : max;
        }
        List<Double> ticks = Svg.linearTicks(max);
        double top = ticks.get(ticks.size() - 1);
        StringBuilder s = new StringBuilder(Svg.open(id, width, HEIGHT, title));
        for (double t : ticks) {
            double y = y(t, top);
            s.append(Svg.line(LEFT, y, right, y, "#ddd")).append(Svg.text(LEFT - 6, y + 4, "end", Svg.number(t)));
        }
        s.append(String.format(Locale.ROOT, "<text transform='translate(16,%d) rotate(-90)' text-anchor='middle'>%s"
            + "</text>", (TOP + BOTTOM) / 2, Svg.escape(yUnit)));
        double step = (right - LEFT) / (double) categories.size();
        for (int c = 0; c < categories.size(); c++) {
            double centre = LEFT + step * (c + 0.5);
            if (layout == Layout.STACKED) {
                stack(s, c, centre - 17, 34, top);
            } else {
                group(s, c, centre, top);
            }
            String[] label = categories.get(c).split("\n", 2);
            s.append("<g font-size='11'>").append(Svg.text(centre, BOTTOM + 16, "middle", label[0]));
            if (label.length > 1) {
                s.append(Svg.text(centre, BOTTOM + 31, "middle", label[1]));
            }
            s.append("</g>");
        }
        s.append(Svg.line(LEFT, BOTTOM, right, BOTTOM, "#333"));
        List<Svg.Key> keys = new ArrayList<>();
        for (Series k : series) {
            keys.add(new Svg.Key(k.name(), k.colour(), Svg.Swatch.BOX));
        }
        s.append(Svg.legend(right + 24, TOP + 10, keys));
        return s.append("</svg>").toString();
    }

    private void stack(StringBuilder s, int c, double x, double width, double top) {
        double base = 0;
        for (Series k : series) {
            double v = value(k, c);
            if (v > 0) {
                bar(s, k, c, x, width, base, base + v, top);
            }
            base += v;
        }
    }

    private void group(StringBuilder s, int c, double centre, double top) {
        double width = 30;
        double x = centre - width * series.size() / 2.0 - 2 * (series.size() - 1) / 2.0;
        for (Series k : series) {
            double v = value(k, c);
            bar(s, k, c, x, width, 0, v, top);
            s.append(Svg.text(x + width / 2, y(v, top) - 4, "middle", Svg.number(v)));
            x += width + 4;
        }
    }

    private void bar(StringBuilder s, Series k, int c, double x, double width, double from, double to, double top) {
        double y0 = y(from, top);
        double y1 = y(to, top);
        s.append(String.format(Locale.ROOT, "<rect class='bar' x='%.1f' y='%.1f' width='%.1f' height='%.1f' "
            + "fill='%s'><title>%s, %s: %s %s</title></rect>", x, y1, width, Math.max(0, y0 - y1), k.colour(),
            Svg.escape(categories.get(c).replace('\n', ' ')), Svg.escape(k.name()), Svg.number(to - from),
            Svg.escape(yUnit)));
    }

    private static double value(Series s, int c) {
        double v = s.values()[c];
        return Double.isNaN(v) || v < 0 ? 0 : v;
    }

    private static double y(double v, double top) {
        return BOTTOM - (BOTTOM - TOP) * (v / top);
    }
}
