package dev.udadiffusion.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.data.io.CityscapesWriter;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.labels.LabelMapping;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @TempDir
    Path dir;

    static BufferedImage rgb(int w, int h) {
        return new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    }

    static void writeIds(Path p, int w, int h, int value) throws Exception {
        BufferedImage g = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) g.getRaster().setSample(x, y, 0, (x + y) % 2 == 0 ? value : 7);
        Files.createDirectories(p.getParent());
        ImageIO.write(g, "png", p.toFile());
    }

    @Test
    void cityscapesLayoutIsReadInPlaceWithLabelIdsMapped() throws Exception {
        Path root = dir.resolve("cityscapes");
        for (String f : List.of("aachen_000000_000019", "aachen_000001_000019")) {
            Path img = root.resolve("leftImg8bit/train/aachen/" + f + "_leftImg8bit.png");
            Files.createDirectories(img.getParent());
            ImageIO.write(rgb(8, 4), "png", img.toFile());
            writeIds(root.resolve("gtFine/train/aachen/" + f + "_gtFine_labelIds.png"), 8, 4, 26);
        }
        Datasets.Listing l = Datasets.cityscapes(root, "train", Datasets.Policy.ERROR);
        assertEquals(2, l.samples().size());
        int[][] t = LabelMaps.readTrainIds(l.samples().get(0), l.mapping(), false);
        assertEquals(13, t[0][0]); // car
        assertEquals(0, t[0][1]); // road
        Files.delete(root.resolve("gtFine/train/aachen/aachen_000001_000019_gtFine_labelIds.png"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.cityscapes(root, "train", Datasets.Policy.ERROR));
        assertTrue(e.getMessage().contains("aachen_000001_000019_leftImg8bit.png: no label"), e.getMessage());
        Datasets.Listing skipped = Datasets.cityscapes(root, "train", Datasets.Policy.SKIP);
        assertEquals(1, skipped.samples().size());
        assertEquals(1, skipped.skipped().size());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Datasets.cityscapes(root, "val", Datasets.Policy.ERROR))
                .getMessage().contains("folder does not exist"));
    }

    @Test
    void gta5LayoutWithSizeMismatchReportedOrSkipped() throws Exception {
        Path root = dir.resolve("gta");
        Files.createDirectories(root.resolve("images"));
        ImageIO.write(rgb(10, 6), "png", root.resolve("images/00001.png").toFile());
        writeIds(root.resolve("labels/00001.png"), 10, 6, 24);
        ImageIO.write(rgb(10, 6), "png", root.resolve("images/00002.png").toFile());
        writeIds(root.resolve("labels/00002.png"), 9, 6, 24);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.gta5(root, Datasets.Policy.ERROR, true));
        assertTrue(e.getMessage().contains("00002.png: image is 10x6 but its label 00002.png is 9x6"), e.getMessage());
        Datasets.Listing l = Datasets.gta5(root, Datasets.Policy.SKIP, true);
        assertEquals(List.of("00001"), l.samples().stream().map(s -> s.id()).toList());
        Datasets.Listing resized = Datasets.gta5(root, Datasets.Policy.RESIZE_LABEL, true);
        assertEquals(2, resized.samples().size());
        assertEquals(1, resized.skipped().size()); // still reported
        int[][] r = LabelMaps.readTrainIds(resized.samples().get(1), LabelMapping.GTA5, false);
        assertEquals(10, r[0].length);
        assertEquals(11, LabelMaps.readTrainIds(l.samples().get(0), LabelMapping.GTA5, false)[0][0]); // person
    }

    /** A crash after the files but before the manifest line: the resumed run rewrites that sample once. */
    @Test
    void writerOutputIsReadBackAndSurvivesACrashMidSample() throws Exception {
        Path out = dir.resolve("generated");
        int[][] labels = {{0, 13, 255, 18}, {10, 10, 2, 2}};
        CityscapesWriter w = new CityscapesWriter(out, "train", "gen");
        w.write(CityscapesWriter.id(0), rgb(4, 2), labels, Map.of("seed", "1", "prompt", "road, car"));
        // simulate a crash during sample 1: its files exist, its manifest line does not; plus a torn line
        Path img1 = out.resolve("leftImg8bit/train/gen/gen_000000_000001_leftImg8bit.png");
        ImageIO.write(rgb(4, 2), "png", img1.toFile());
        Files.writeString(out.resolve("manifest.jsonl"), "{\"id\": \"000000_0000", java.nio.file.StandardOpenOption.APPEND);
        CityscapesWriter resumed = new CityscapesWriter(out, "train", "gen");
        assertTrue(resumed.isDone(CityscapesWriter.id(0)));
        assertTrue(!resumed.isDone(CityscapesWriter.id(1)));
        resumed.write(CityscapesWriter.id(1), rgb(4, 2), labels, Map.of("seed", "2"));
        Datasets.Listing l = Datasets.cityscapes(out, "train", Datasets.Policy.ERROR);
        assertEquals(2, l.samples().size());
        assertTrue(l.samples().get(0).labelIsTrainIds());
        int[][] back = LabelMaps.readTrainIds(l.samples().get(0), l.mapping(), false);
        assertEquals(13, back[0][1]);
        assertEquals(255, back[0][2]);
        // the labelIds file maps back to the same trainIds
        int[][] ids = LabelMaps.read(out.resolve("gtFine/train/gen/gen_000000_000000_gtFine_labelIds.png"));
        LabelMapping.CITYSCAPES.apply(ids, "ids", false);
        assertEquals(18, ids[0][3]);
        assertEquals(2, new CityscapesWriter(out, "train", "gen").completed()); // the torn line is not a sample, nothing lost
        try (var s = Files.list(out.resolve("leftImg8bit/train/gen"))) {
            assertEquals(2, s.filter(p -> p.toString().endsWith(".png")).count());
        }
    }

    @Test
    void damagedSamplesAreNotDoneAndWritersShareAFolderThroughTheirManifests() throws Exception {
        Path out = dir.resolve("shared");
        int[][] labels = {{0, 13, 255, 18}, {10, 10, 2, 2}};
        CityscapesWriter a = new CityscapesWriter(out, "train", "gen", out.resolve(".parts/a.jsonl"), List.of());
        a.write(CityscapesWriter.id(0), rgb(4, 2), labels, Map.of("seed", "1"));
        a.write(CityscapesWriter.id(1), rgb(4, 2), labels, Map.of("seed", "2"));
        assertTrue(Files.readString(out.resolve(".parts/a.jsonl")).contains("\"files_sha256\":\""
                + CityscapesWriter.sha256(a.files(CityscapesWriter.id(0))) + "\""));
        // a second writer with its own manifest sees what the first one listed
        CityscapesWriter b = new CityscapesWriter(out, "train", "gen", out.resolve(".parts/b.jsonl"),
                List.of(out.resolve(".parts/a.jsonl"), out.resolve(".parts/missing.jsonl")));
        assertTrue(b.isDone(CityscapesWriter.id(0)) && b.isDone(CityscapesWriter.id(1)));
        // a damaged label file or a removed image: listed, but no longer done
        Files.write(a.files(CityscapesWriter.id(0))[1], new byte[] {1, 2, 3});
        Files.delete(a.files(CityscapesWriter.id(1))[0]);
        assertTrue(!b.isDone(CityscapesWriter.id(0)) && !b.isDone(CityscapesWriter.id(1)));
        b.write(CityscapesWriter.id(0), rgb(4, 2), labels, Map.of("seed", "1"));
        assertTrue(new CityscapesWriter(out, "train", "gen", out.resolve(".parts/b.jsonl"), List.of()).isDone(CityscapesWriter.id(0)));
        assertEquals(2, CityscapesWriter.readManifest(out.resolve(".parts/a.jsonl")).size());
    }

    /** Subsets are seeded, without repeats and nested; joining checks that both sets read labels alike. */
    @Test
    void subsetsAreNestedAndJoinsCheckTheMapping() {
        List<dev.udadiffusion.data.io.Sample> all = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(new dev.udadiffusion.data.io.Sample("s" + i, Path.of("i" + i), Path.of("l" + i), true));
        }
        Datasets.Listing l = new Datasets.Listing("set", all, LabelMapping.CITYSCAPES, List.of());
        Datasets.Listing five = l.subset(5, 3);
        Datasets.Listing twenty = l.subset(20, 3);
        assertEquals(five.samples(), twenty.samples().subList(0, 5));
        assertEquals(20, new java.util.HashSet<>(twenty.samples()).size());
        assertEquals(five.samples(), l.subset(5, 3).samples());
        assertTrue(!five.samples().equals(l.subset(5, 4).samples()));
        assertEquals(new java.util.HashSet<>(all), new java.util.HashSet<>(l.subset(50, 9).samples()));
        assertThrows(IllegalArgumentException.class, () -> l.subset(0, 1));
        assertThrows(IllegalArgumentException.class, () -> l.subset(51, 1));
        Datasets.Listing joined = five.concat(twenty);
        assertEquals(25, joined.samples().size());
        assertEquals(five.samples(), joined.samples().subList(0, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> five.concat(new Datasets.Listing("synthia", all, LabelMapping.SYNTHIA, List.of())));
        assertTrue(e.getMessage().contains("synthia"), e.getMessage());
    }
}
