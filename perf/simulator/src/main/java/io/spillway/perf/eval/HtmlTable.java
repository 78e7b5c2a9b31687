package io.spillway.perf.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * An HTML table with a caption and a header row; numeric columns are right-aligned (class {@code num}) and their
 * headers name the unit. Cells are escaped.
 */
final class HtmlTable {
    private final String id;
    private final String caption;
    private final List<String> headers = new ArrayList<>();
    private final List<Boolean> numeric = new ArrayList<>();
    private final List<List<String>> rows = new ArrayList<>();

    HtmlTable(String id, String caption) {
        this.id = id;
        this.caption = caption;
    }

    /** A text column (left-aligned). */
    HtmlTable text(String header) {
        headers.add(header);
        numeric.add(false);
        return this;
    }

    /** A numeric column (right-aligned). */
    HtmlTable number(String header) {
        headers.add(header);
        numeric.add(true);
        return this;
    }

    HtmlTable row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells for " + headers.size()
                + " columns");
        }
        rows.add(List.of(cells));
        return this;
    }

    String html() {
        StringBuilder s = new StringBuilder("<table id='").append(Svg.escape(id)).append("' class='results'>")
            .append("<caption>").append(Svg.escape(caption)).append("</caption><thead><tr>");
        for (int c = 0; c < headers.size(); c++) {
            s.append(numeric.get(c) ? "<th class='num' scope='col'>" : "<th scope='col'>")
                .append(Svg.escape(headers.get(c))).append("</th>");
        }
        s.append("</tr></thead><tbody>");
        for (List<String> row : rows) {
            s.append("<tr>");
            for (int c = 0; c < row.size(); c++) {
                s.append(numeric.get(c) ? "<td class='num'>" : "<td>").append(Svg.escape(row.get(c))).append("</td>");
            }
            s.append("</tr>");
        }
        return s.append("</tbody></table>").toString();
    }
}
