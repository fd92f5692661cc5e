package dev.smelt.trainer.sft;

import dev.smelt.core.io.AtomicFiles;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Renders the loss curves of a {@code metrics.jsonl} as a PNG (headless AWT, XChart) for model cards. */
public final class LossChart {
    public static final String FILE = "loss.png";

    private LossChart() {}

    public static void render(List<MetricsLog.Entry> entries, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        List<Double> ex = new ArrayList<>();
        List<Double> ey = new ArrayList<>();
        for (MetricsLog.Entry e : entries) {
            if (e.loss() != null && Double.isFinite(e.loss())) {
                xs.add((double) e.step());
                ys.add(e.loss());
            }
            if (e.evalLoss() != null && Double.isFinite(e.evalLoss())) {
                ex.add((double) e.step());
                ey.add(e.evalLoss());
            }
        }
        XYChart chart = new XYChartBuilder().width(800).height(480).title("Training loss")
                .xAxisTitle("step").yAxisTitle("loss").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisTickMarkSpacingHint(90);
        chart.getStyler().setXAxisDecimalPattern("#");
        if (!xs.isEmpty()) {
            XYSeries s = chart.addSeries("train", xs, ys);
            s.setMarker(SeriesMarkers.NONE);
        }
        if (!ex.isEmpty()) {
            XYSeries s = chart.addSeries("eval", ex, ey);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (xs.isEmpty() && ex.isEmpty()) chart.addSeries("train", new double[] {0}, new double[] {0});
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(png, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
        });
    }
}
