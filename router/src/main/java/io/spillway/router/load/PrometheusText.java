package io.spillway.router.load;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the few samples the router needs from a Prometheus text exposition: a metric's value (summed over its
 * label sets, as a pod serving one model has one of each) and a label of an info metric. Comments, other metrics
 * and lines it cannot read are skipped; a value that is not a number is skipped too.
 */
public final class PrometheusText {
    private final Map<String, Double> sums = new HashMap<>();
    private final Map<String, Map<String, String>> firstLabels = new HashMap<>();

    private PrometheusText() {
    }

    /** Parses {@code text}, keeping only the metrics named in {@code wanted}. */
    public static PrometheusText parse(String text, Set<String> wanted) {
        PrometheusText out = new PrometheusText();
        int at = 0;
        int n = text.length();
        while (at < n) {
            int end = text.indexOf('\n', at);
            if (end < 0) {
                end = n;
            }
            out.line(text, at, end, wanted);
            at = end + 1;
        }
        return out;
    }

    private void line(String text, int from, int to, Set<String> wanted) {
        while (from < to && Character.isWhitespace(text.charAt(from))) {
            from++;
        }
        if (from >= to || text.charAt(from) == '#') {
            return;
        }
        int nameEnd = from;
        while (nameEnd < to && text.charAt(nameEnd) != '{' && !Character.isWhitespace(text.charAt(nameEnd))) {
            nameEnd++;
        }
        String name = text.substring(from, nameEnd);
        if (!wanted.contains(name)) {
            return;
        }
        Map<String, String> labels = Map.of();
        int valueFrom = nameEnd;
        if (nameEnd < to && text.charAt(nameEnd) == '{') {
            int close = text.indexOf('}', nameEnd);
            if (close < 0 || close > to) {
                return;
            }
            labels = labels(text.substring(nameEnd + 1, close));
            valueFrom = close + 1;
        }
        String[] rest = text.substring(valueFrom, to).trim().split("\\s+");
        double value;
        try {
            value = Double.parseDouble(rest[0]);
        } catch (NumberFormatException e) {
            return;
        }
        if (Double.isNaN(value)) {
            return;
        }
        sums.merge(name, value, Double::sum);
        firstLabels.putIfAbsent(name, labels);
    }

    private static Map<String, String> labels(String body) {
        Map<String, String> out = new HashMap<>();
        int i = 0;
        while (i < body.length()) {
            int eq = body.indexOf('=', i);
            if (eq < 0 || eq + 1 >= body.length() || body.charAt(eq + 1) != '"') {
                break;
            }
            String key = body.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < body.length() && body.charAt(j) != '"'; j++) {
                char c = body.charAt(j);
                if (c == '\\' && j + 1 < body.length()) {
                    char next = body.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
            }
            out.put(key, value.toString());
            i = body.indexOf(',', j);
            if (i < 0) {
                break;
            }
            i++;
        }
        return out;
    }

    /** The metric's value summed over its samples, or {@code otherwise} when it had none. */
    public double value(String metric, double otherwise) {
        return sums.getOrDefault(metric, otherwise);
    }

    /** Whether the metric had a sample. */
    public boolean has(String metric) {
        return sums.containsKey(metric);
    }

    /** A label of the metric's first sample, or null. */
    public String label(String metric, String label) {
        Map<String, String> labels = firstLabels.get(metric);
        return labels == null ? null : labels.get(label);
    }
}
