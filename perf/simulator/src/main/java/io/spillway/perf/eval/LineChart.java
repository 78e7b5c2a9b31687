package io.spillway.perf.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Lines over categories on the x axis (loads, bandwidths), on a log or a linear y axis, as inline SVG. A value that
 * is NaN or not above 0 on a log axis leaves a gap. With a single category the points stand alone, labelled.
 *
 * @param id     the element's id (the page's tests find charts by it)
 * @param title  what the chart answers
 * @param xTitle what the categories are
 * @param yUnit  the y axis's unit, named on its ticks
 * @param logY   a log axis (decades) rather than a linear one from 0
 * @param x      the categories, left to right
 * @param series the lines
 */
record LineChart(String id, String title, String xTitle, String yUnit, boolean logY, List<String> x,
                 List<Series> series) {
    private static final int WIDTH = 760;
    private static final int HEIGHT = 380;
    private static final int LEFT = 80;
    private static final int RIGHT = 560;
    private static final int TOP = 30;
    private static final int BOTTOM = 320;

    /** One line: its values, one a category; dashed for a second measure of the same series (p50 beside p90). */
    record Series(String name, String colour, boolean dashed, double[] values) {
    }

    LineChart {
        x = List.copyOf(x);
        series = List.copyOf(series);
        for (Series s : series) {
            if (s.values().length != x.size()) {
                throw new IllegalArgumentException(s.name() + " has " + s.values().length + " values for "
                    + x.size() + " categories");
            }
        }
    }

    String svg() {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (drawn(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        List<Double> ticks = new ArrayList<>();
        if (logY) {
            double lo = Math.floor(Math.log10(min == Double.MAX_VALUE ? 1 : min));
            double hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))));
            for (double d = lo; d <= hi; d++) {
                ticks.add(Math.pow(10, d));
            }
        } else {
            ticks = Svg.linearTicks(max);
        }
        double bottomTick = ticks.get(0);
        double topTick = ticks.get(ticks.size() - 1);
        StringBuilder s = new StringBuilder(Svg.open(id, WIDTH, HEIGHT, title));
        for (double t : ticks) {
            double y = y(t, bottomTick, topTick);
            s.append(Svg.line(LEFT, y, RIGHT, y, "#ddd")).append(Svg.text(LEFT - 6, y + 4, "end",
                Svg.number(t) + " " + yUnit));
        }
        s.append(Svg.line(LEFT, BOTTOM, RIGHT, BOTTOM, "#333"));
        for (int i = 0; i < x.size(); i++) {
            s.append(Svg.text(x(i), BOTTOM + 18, "middle", x.get(i)));
        }
        s.append(Svg.text((LEFT + RIGHT) / 2.0, BOTTOM + 40, "middle", xTitle));
        List<Svg.Key> keys = new ArrayList<>();
        for (Series line : series) {
            StringBuilder points = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            for (int i = 0; i < x.size(); i++) {
                double v = line.values()[i];
                if (!drawn(v)) {
                    flush(s, points, line);
                    continue;
                }
                double px = x(i);
                double py = y(v, bottomTick, topTick);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                dots.append(String.format(Locale.ROOT, "<circle class='point' cx='%.1f' cy='%.1f' r='3.5' fill='%s'>"
                    + "<title>%s, %s: %s %s</title></circle>", px, py, line.colour(), Svg.escape(line.name()),
                    Svg.escape(x.get(i)), Svg.number(v), Svg.escape(yUnit)));
                if (x.size() == 1) {
                    dots.append(Svg.text(px + 8, py + 4, "start", Svg.number(v)));
                }
            }
            flush(s, points, line);
            s.append(dots);
            keys.add(new Svg.Key(line.name(), line.colour(),
                line.dashed() ? Svg.Swatch.DASHED : Svg.Swatch.LINE));
        }
        s.append(Svg.legend(RIGHT + 30, TOP + 10, keys));
        return s.append("</svg>").toString();
    }

    private static void flush(StringBuilder s, StringBuilder points, Series line) {
        if (points.length() > 0) {
            s.append(String.format(Locale.ROOT, "<polyline class='series' fill='none' stroke='%s' stroke-width='2'%s "
                + "points='%s'/>", line.colour(), line.dashed() ? " stroke-dasharray='5,3'" : "",
                points.toString().trim()));
            points.setLength(0);
        }
    }

    private boolean drawn(double v) {
        return !Double.isNaN(v) && !Double.isInfinite(v) && (logY ? v > 0 : v >= 0);
    }

    private double x(int i) {
        return x.size() == 1 ? (LEFT + RIGHT) / 2.0 : LEFT + 30 + i * (RIGHT - LEFT - 60) / (double) (x.size() - 1);
    }

    private double y(double v, double bottomTick, double topTick) {
        double f = logY ? (Math.log10(v) - Math.log10(bottomTick)) / (Math.log10(topTick) - Math.log10(bottomTick))
            : (v - bottomTick) / (topTick - bottomTick);
        return BOTTOM - (BOTTOM - TOP) * f;
    }
}
