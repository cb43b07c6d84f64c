package dev.udadiffusion.experiments.tables;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The thesis's published per-class IoU (%) and mIoU, in its column order (road … bicycle, then mIoU), with the table
 * and section they come from (../shared/docs/thesis.md). The one place the programs read them from.
 */
public final class ThesisNumbers {

    /** A published table: where it is, what its rows mean, its columns and rows. */
    public record Table(String id, String section, String caption, List<String> columns, Map<String, double[]> rows) {
        public Table {
            for (Map.Entry<String, double[]> r : rows.entrySet()) {
                if (r.getValue().length != columns.size()) {
                    throw new IllegalStateException("table " + id + ", " + r.getKey() + ": " + columns.size() + " values expected, got "
                            + r.getValue().length);
                }
            }
        }
    }

    /** The per-class tables' columns: the 19 Cityscapes classes in the thesis's order, then mIoU. */
    static final List<String> PER_CLASS = List.of("Road", "S.walk", "Build.", "Wall", "Fence", "Pole", "Tr.Light", "Sign",
            "Veget.", "Terrain", "Sky", "Person", "Rider", "Car", "Truck", "Bus", "Train", "M.bike", "Bike", "mIoU");

    private ThesisNumbers() {
    }

    /** Table 4.5 (§4.3.4): DAFormer trained on the generated set, against the generated set alone and GTA5 with DAFormer. */
    public static final Table TABLE_4_5 = new Table("4.5", "4.3.4",
            "The performance with DAFormer trained on the generated dataset (Cityscapes val, SegFormer MiT-B5)", PER_CLASS, rows(
                    "Gen (w/o DAFormer)", new double[] {93.0, 57.3, 86.2, 50.2, 29.2, 28.0, 31.5, 29.1, 86.8, 42.8, 82.7, 65.2,
                        34.6, 87.7, 42.3, 50.9, 1.8, 37.8, 33.1, 51.1},
                    "Gen (w/ DAFormer)", new double[] {96.0, 72.1, 88.1, 55.8, 38.2, 40.2, 38.8, 41.3, 87.6, 44.9, 86.8, 67.5,
                        42.0, 90.1, 63.8, 61.7, 8.9, 53.6, 60.7, 59.9},
                    "GTA5 (w/ DAFormer)", new double[] {95.7, 70.2, 89.4, 53.5, 48.1, 49.6, 55.8, 59.4, 89.9, 47.9, 92.5, 72.2,
                        44.7, 92.3, 74.5, 37.71, 65.1, 55.9, 61.8, 68.3}));

    /** Table 4.2 (§4.3.1): in-domain, SegFormer trained on GTA5, on the oracle ControlNet's images, on Cityscapes. */
    public static final Table TABLE_4_2 = new Table("4.2", "4.3.1",
            "In-domain experiments results (mIoU on Cityscapes val; the generated set: 6,000 images an oracle ControlNet, "
                    + "trained on Cityscapes, generated from Cityscapes train masks)", List.of("mIoU"), rows(
                    "GTA→Cityscapes", new double[] {47.67}, "Gen→Cityscapes", new double[] {64.97},
                    "Cityscapes→Cityscapes (oracle)", new double[] {76.81}));

    /** Table 4.3 (§4.3.2): SegFormer trained on GTA5 or on the generated set (U-Net swap, GTA5 masks), Cityscapes val. */
    public static final Table TABLE_4_3 = new Table("4.3", "4.3.2",
            "Cross-domain semantic segmentation evaluation results (Cityscapes val, SegFormer MiT-B5)", PER_CLASS, rows(
                    "GTA5", new double[] {65.0, 19.8, 85.5, 41.0, 35.2, 31.1, 44.9, 26.5, 87.3, 38.9, 88.0, 63.0, 20.3, 82.4,
                        52.0, 54.6, 12.0, 33.5, 24.8, 47.7},
                    "Ours", new double[] {93.0, 57.3, 86.2, 50.2, 29.2, 28.0, 31.5, 29.1, 86.8, 42.8, 82.7, 65.2, 34.6, 87.7,
                        42.3, 50.9, 1.8, 37.8, 33.1, 51.1}));

    /** Table 4.4 (§4.3.3): ablation of RCS and SCR in generation, mIoU of SegFormer trained on the generated set (cross-domain). */
    public static final Table TABLE_4_4 = new Table("4.4", "4.3.3", "Ablation study on RCS and SCR (mIoU, cross-domain)",
            List.of("mIoU"), rows("neither", new double[] {43.8}, "RCS", new double[] {47.6}, "RCS + SCR", new double[] {51.1}));

    /** All published tables the programs reproduce, by id. */
    public static final Map<String, Table> ALL = java.util.Collections.unmodifiableSortedMap(
            new java.util.TreeMap<>(Map.of(TABLE_4_2.id(), TABLE_4_2, TABLE_4_3.id(), TABLE_4_3, TABLE_4_4.id(), TABLE_4_4, TABLE_4_5.id(), TABLE_4_5)));

    /** The figures the programs reproduce, by id, with their captions (the thesis gives no numbers for them). */
    public static final Map<String, String> FIGURES = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(Map.of(
            "5.2", "Comparison with lightweight version of ControlNet (§5.1)",
            "5.3", "The oracle model performance in relation to the portion of training data (§5.2)")));

    /** Every id {@code udadiff table} accepts: the tables, then the figures. */
    public static List<String> ids() {
        List<String> ids = new java.util.ArrayList<>(ALL.keySet());
        ids.addAll(FIGURES.keySet());
        return ids;
    }

    private static Map<String, double[]> rows(Object... nameValues) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            m.put((String) nameValues[i], (double[]) nameValues[i + 1]);
        }
        return m;
    }

    /** The published rows' names in order. */
    public static List<String> rowNames(Table t) {
        return List.copyOf(t.rows().keySet());
    }
}
