package dev.udadiffusion.controlnet.train;

import dev.udadiffusion.controlnet.MaskPrompt;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.random.Rng;
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
 * Image + trainId-mask pairs for ControlNet training: {@code images/NAME.png|jpg} with {@code labels/NAME.png}
 * (values 0–18, 255). A sample is resized (image bilinear, mask nearest) so the shorter side is the resolution, cropped
 * and flipped identically, and comes with its one-hot conditioning and the thesis prompt (classes present in the
 * crop). An image without a mask, or a mask of another size, is an error naming the file.
 */
public final class MaskedImageData {

    /** One pair. */
    public record Pair(Path image, Path label) {
    }

    /** A prepared sample: image [1, 3, r, r] in [-1, 1], conditioning [1, 20, r, r], prompt. */
    public record Sample(INDArray image, INDArray conditioning, String prompt) {
    }

    private final List<Pair> pairs;

    private MaskedImageData(List<Pair> pairs) {
        this.pairs = List.copyOf(pairs);
    }

    public static MaskedImageData open(Path dir) {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        if (!Files.isDirectory(images) || !Files.isDirectory(labels)) {
            throw new IllegalArgumentException(dir + ": expected images/ and labels/ folders");
        }
        List<Pair> pairs = new ArrayList<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                String lower = n.toLowerCase(Locale.ROOT);
                if (!(lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg"))) {
                    continue;
                }
                Path label = labels.resolve(n.replaceFirst("\\.[^.]+$", ".png"));
                if (!Files.isRegularFile(label)) {
                    throw new IllegalArgumentException(p + ": no label map " + label);
                }
                pairs.add(new Pair(p, label));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(images + ": " + e.getMessage(), e);
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException(images + ": no images");
        }
        return new MaskedImageData(pairs);
    }

    public List<Pair> pairs() {
        return pairs;
    }

    public int size() {
        return pairs.size();
    }

    public Sample sample(int i, int res, boolean randomCrop, boolean randomFlip, Rng rng) {
        Pair p = pairs.get(i);
        BufferedImage img = Images.read(p.image());
        int[][] lab = SegmentationConditioning.readLabelMap(p.label());
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
        java.awt.Graphics2D g = resized.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
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
