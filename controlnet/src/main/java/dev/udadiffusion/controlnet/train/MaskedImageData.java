package dev.udadiffusion.controlnet.train;

import dev.udadiffusion.controlnet.MaskPrompt;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.labels.LabelMapping;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Image + label pairs for ControlNet training, from a plain folder ({@code images/NAME.png|jpg} with trainId
 * {@code labels/NAME.png}, values 0–18, 255) or a real dataset opened in place by the uda-data readers (Cityscapes
 * {@code leftImg8bit/gtFine}, GTA5 {@code images/labels} with labelIds mapped to trainIds). A sample is resized (image
 * bilinear, mask nearest) so the shorter side is the resolution, cropped and flipped identically, and comes with its
 * one-hot conditioning and the thesis prompt (classes present in the crop). An image without a mask, or a mask of
 * another size, is an error naming the file.
 */
public final class MaskedImageData {

    /** Where the pairs come from. */
    public enum Format {
        /** {@code images/} + {@code labels/} holding trainIds. */
        FOLDER,
        /** Cityscapes {@code leftImg8bit/SPLIT} + {@code gtFine/SPLIT}. */
        CITYSCAPES,
        /** GTA5 {@code images/} + {@code labels/} (labelIds); size-mismatched labels are resized, as reported. */
        GTA5
    }

    /** A prepared sample: image [1, 3, r, r] in [-1, 1], conditioning [1, 20, r, r], prompt. */
    public record Sample(INDArray image, INDArray conditioning, String prompt) {
    }

    private final String name;
    private final List<dev.udadiffusion.data.io.Sample> samples;
    private final LabelMapping mapping;
    private final List<String> skipped;
    private final boolean strict;
    private final Datasets.Listing listing;

    private MaskedImageData(Datasets.Listing l, boolean strict) {
        this.strict = strict;
        this.listing = l;
        this.name = l.name();
        this.samples = l.samples();
        this.mapping = l.mapping();
        this.skipped = l.skipped();
    }

    /** A plain {@code images/} + {@code labels/} folder of trainId masks. */
    public static MaskedImageData open(Path dir) {
        return open(dir, Format.FOLDER, null);
    }

    /** Opens {@code dir} in the given layout; {@code split} is the Cityscapes split (default train). */
    public static MaskedImageData open(Path dir, Format format, String split) {
        return open(dir, format, split, false);
    }

    /**
     * As above; {@code unknownToIgnore} reads a dataset's label ids outside its table as ignore instead of failing (a
     * trainId folder is always checked strictly).
     */
    public static MaskedImageData open(Path dir, Format format, String split, boolean unknownToIgnore) {
        return switch (format) {
            case FOLDER -> new MaskedImageData(folder(dir), true);
            case CITYSCAPES -> new MaskedImageData(Datasets.cityscapes(dir, split == null ? "train" : split,
                    Datasets.Policy.SKIP).withUnknownToIgnore(unknownToIgnore), false);
            case GTA5 -> new MaskedImageData(Datasets.gta5(dir, Datasets.Policy.RESIZE_LABEL, true)
                    .withUnknownToIgnore(unknownToIgnore), false);
        };
    }

    /** Any listing from the uda-data readers. */
    public static MaskedImageData of(Datasets.Listing listing) {
        return new MaskedImageData(listing, false);
    }

    private static Datasets.Listing folder(Path dir) {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        if (!Files.isDirectory(images) || !Files.isDirectory(labels)) {
            throw new IllegalArgumentException(dir + ": expected images/ and labels/ folders");
        }
        List<dev.udadiffusion.data.io.Sample> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                String lower = n.toLowerCase(Locale.ROOT);
                if (!(lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg"))) {
                    continue;
                }
                String stem = n.replaceFirst("\\.[^.]+$", "");
                Path label = labels.resolve(stem + ".png");
                if (!Files.isRegularFile(label)) {
                    throw new IllegalArgumentException(p + ": no label map " + label);
                }
                out.add(new dev.udadiffusion.data.io.Sample(stem, p, label, true));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(images + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(images + ": no images");
        }
        return new Datasets.Listing(dir.toString(), out, LabelMapping.CITYSCAPES, List.of());
    }

    /** The listing the pairs come from (for class statistics and Rare Class Sampling). */
    public Datasets.Listing listing() {
        return listing;
    }

    /** The dataset's name (e.g. {@code cityscapes/train}). */
    public String name() {
        return name;
    }

    public List<dev.udadiffusion.data.io.Sample> samples() {
        return samples;
    }

    /** Samples left out or repaired while listing, with reasons. */
    public List<String> skipped() {
        return skipped;
    }

    public int size() {
        return samples.size();
    }

    public Sample sample(int i, int res, boolean randomCrop, boolean randomFlip, Rng rng) {
        dev.udadiffusion.data.io.Sample p = samples.get(i);
        BufferedImage img = Images.read(p.image());
        // a trainId folder is checked as a mask; a dataset's labels follow its listing's policy (ids outside the
        // mapping are an error unless the listing maps them to ignore)
        int[][] lab = strict ? SegmentationConditioning.readLabelMap(p.label()) : listing.readTrainIds(p);
        if (lab.length != img.getHeight() || lab[0].length != img.getWidth()) {
            throw new IllegalArgumentException(p.label() + ": label map is " + lab[0].length + "x" + lab.length
                    + " but the image is " + img.getWidth() + "x" + img.getHeight());
        }
        double scale = (double) res / Math.min(img.getWidth(), img.getHeight());
        int w = Math.max(res, (int) Math.round(img.getWidth() * scale));
        int h = Math.max(res, (int) Math.round(img.getHeight() * scale));
        int x0 = randomCrop ? rng.nextInt(w - res + 1) : (w - res) / 2;
        int y0 = randomCrop ? rng.nextInt(h - res + 1) : (h - res) / 2;
        boolean flip = randomFlip && rng.nextDouble() < 0.5;
        BufferedImage resized = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = resized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        BufferedImage crop = new BufferedImage(res, res, BufferedImage.TYPE_INT_RGB);
        int[][] mask = new int[res][res];
        for (int y = 0; y < res; y++) {
            for (int x = 0; x < res; x++) {
                int tx = flip ? res - 1 - x : x;
                crop.setRGB(tx, y, resized.getRGB(x0 + x, y0 + y));
                // nearest neighbour in the original label map
                int sy = Math.min(lab.length - 1, (int) ((y0 + y + 0.5) / scale));
                int sx = Math.min(lab[0].length - 1, (int) ((x0 + x + 0.5) / scale));
                mask[y][tx] = lab[sy][sx];
            }
        }
        return new Sample(Images.toTensor(crop), SegmentationConditioning.oneHot(mask), MaskPrompt.of(mask));
    }
}
