package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.html as a browser shows it: Debian's chromium, headless, lays the page out and paints it. The DOM after
 * layout must hold every table and chart with a non-zero size and its rows, bars or points; the screenshot must be
 * a picture, not a blank page, with the charts' colours in it.
 */
class ReportPageBrowserTest {
    /** Appended to a copy of the page: after layout, each table's and chart's id, size and drawn parts, one a line. */
    private static final String PROBE = "<script>var o=[];document.querySelectorAll('#trace-name,table.results,"
        + "svg.chart').forEach(function(e){var r=e.getBoundingClientRect();o.push(e.id+' '+Math.round(r.width)+' '"
        + "+Math.round(r.height)+' '+e.querySelectorAll('tbody tr,rect.bar,circle.point,polyline.series').length);});"
        + "var p=document.createElement('pre');p.id='layout';p.textContent=o.join('\\n');"
        + "document.body.appendChild(p);</script>";
    private static final Pattern LAYOUT = Pattern.compile("<pre id=\"layout\">([^<]*)</pre>");

    @TempDir
    Path dir;

    private record Box(int width, int height, int parts) {
    }

    @Test
    void theBrowserLaysOutEveryTableAndChartAndPaintsThem() throws Exception {
        EvalReport report = SmallEvaluation.report();
        report = report.withLiveAgainstVirtual(SmallEvaluation.pairs(report));
        Path page = dir.resolve("report.html");
        Files.writeString(page, report.html());
        HeadlessChromium chromium = new HeadlessChromium(dir);

        Map<String, Box> laidOut = layout(chromium, page);
        for (String id : List.of("trace-name", "table-costs", "table-load-0", "table-load-1", "table-live",
            "chart-ttft", "chart-hits", "chart-live-hits", "chart-live-ttft")) {
            Box box = laidOut.get(id);
            assertTrue(box != null, id + " is missing from the rendered page: " + laidOut);
            assertTrue(box.width() > 50 && box.height() > 15, id + " has no size: " + box);
        }
        assertEquals(9, laidOut.get("table-costs").parts(), "the cost model's nine figures");
        assertEquals(3, laidOut.get("table-load-0").parts(), "a row per policy");
        assertEquals(2 * 3 * 2, laidOut.get("chart-ttft").parts() - 2 * 3, "p50 and p90 points per policy and load "
            + "(and a line each)");
        assertTrue(laidOut.get("chart-hits").parts() >= 6, "a bar at least per run: " + laidOut.get("chart-hits"));
        assertEquals(2 * 3, laidOut.get("chart-live-hits").parts(), "live and virtual bars per policy");

        BufferedImage shot = ImageIO.read(chromium.screenshot(page, dir.resolve("report.png"), 1400, 3200).toFile());
        int nonWhite = 0;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < shot.getHeight(); y++) {
            for (int x = 0; x < shot.getWidth(); x++) {
                int rgb = shot.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                nonWhite += rgb == 0xFFFFFF ? 0 : 1;
            }
        }
        assertTrue(nonWhite > shot.getWidth() * shot.getHeight() / 50, "the screenshot is blank: " + nonWhite
            + " non-white pixels");
        assertTrue(colours.size() > 50, "text, charts and tables paint many colours: " + colours.size());
        for (int chartColour : new int[] {0x59a14f, 0xd9d9d9, 0xa0cbe8, 0xe15759, 0x4e79a7}) {
            assertTrue(colours.contains(chartColour), String.format("no pixel of the charts' #%06x: the bars of the "
                + "hits or live charts were not painted", chartColour));
        }
    }

    /** The page with {@link #PROBE} appended, dumped after layout: id to size and drawn parts. */
    private Map<String, Box> layout(HeadlessChromium chromium, Path page) throws Exception {
        Path probed = dir.resolve("probed.html");
        String html = Files.readString(page);
        Files.writeString(probed, html.replace("</body>", PROBE + "</body>"));
        String dom = chromium.dumpDom(probed);
        Matcher m = LAYOUT.matcher(dom);
        assertTrue(m.find(), "the probe did not run: " + dom.substring(0, Math.min(500, dom.length())));
        Map<String, Box> boxes = new HashMap<>();
        for (String line : m.group(1).split("\n")) {
            String[] f = line.trim().split(" ");
            boxes.put(f[0], new Box(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3])));
        }
        return boxes;
    }
}
