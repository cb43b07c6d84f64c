package dev.udadiffusion.diffusion.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.random.Rng;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A folder of training images (PNG/JPEG, sub-folders included — e.g. Cityscapes' leftImg8bit/train — sorted by path)
 * with captions from, in order of preference: a
 * {@code metadata.jsonl} of {@code {"file_name": …, "text": …}} lines (the Hugging Face imagefolder convention), a
 * {@code NAME.txt} next to each image, or a fixed prompt. Samples are resized (shorter side to the resolution),
 * cropped (random or centre) and optionally flipped, as diffusers' training scripts do.
 */
public final class ImageFolderData {

    /** One training image and its caption. */
    public record Item(Path image, String caption) {
    }

    private final Path dir;
    private final List<Item> items;

    private ImageFolderData(Path dir, List<Item> items) {
        this.dir = dir;
        this.items = List.copyOf(items);
    }

    public static ImageFolderData open(Path dir, String fixedPrompt) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": training data folder does not exist");
        }
        Map<String, String> meta = new HashMap<>();
        Path jsonl = dir.resolve("metadata.jsonl");
        try {
            if (Files.isRegularFile(jsonl)) {
                ObjectMapper om = new ObjectMapper();
                int line = 0;
                for (String l : Files.readAllLines(jsonl)) {
                    line++;
                    if (l.isBlank()) {
                        continue;
                    }
                    JsonNode n = om.readTree(l);
                    if (!n.path("file_name").isTextual()) {
                        throw new IllegalArgumentException(jsonl + ":" + line + ": no \"file_name\"");
                    }
                    meta.put(n.get("file_name").asText(), n.path("text").asText(""));
                }
            }
            List<Item> items = new ArrayList<>();
            // sub-folders too (Cityscapes keeps leftImg8bit/train/CITY/*.png), in a stable order
            try (Stream<Path> s = Files.walk(dir, 4, FileVisitOption.FOLLOW_LINKS)) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    if (!(n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"))) {
                        continue;
                    }
                    String rel = dir.relativize(p).toString().replace('\\', '/');
                    String caption = meta.containsKey(rel) ? meta.get(rel) : meta.get(p.getFileName().toString());
                    Path txt = p.resolveSibling(p.getFileName().toString().replaceFirst("\\.[^.]+$", ".txt"));
                    if (caption == null && Files.isRegularFile(txt)) {
                        caption = Files.readString(txt).strip();
                    }
                    if (caption == null) {
                        caption = fixedPrompt == null ? "" : fixedPrompt;
                    }
                    items.add(new Item(p, caption));
                }
            }
            if (items.isEmpty()) {
                throw new IllegalArgumentException(dir + ": no PNG or JPEG images");
            }
            return new ImageFolderData(dir, items);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }

    public List<Item> items() {
        return items;
    }

    public int size() {
        return items.size();
    }

    public Path dir() {
        return dir;
    }

    /** Image {@code i} as [1, 3, res, res] in [-1, 1]: resize shorter side, crop, maybe flip (res 0: native size). */
    public INDArray sample(int i, int resolution, boolean randomCrop, boolean randomFlip, Rng rng) {
        return Images.toTensor(prepare(Images.read(items.get(i).image()), resolution, randomCrop, randomFlip, rng));
    }

    /**
     * Resize so the shorter side is {@code res} (bilinear), crop res×res, maybe flip horizontally; {@code res} 0 keeps
     * the image's own size (no resize, no crop).
     */
    public static BufferedImage prepare(BufferedImage img, int res, boolean randomCrop, boolean randomFlip, Rng rng) {
        if (res <= 0) {
            boolean flip = randomFlip && rng.nextDouble() < 0.5;
            return copy(img, flip);
        }
        double scale = (double) res / Math.min(img.getWidth(), img.getHeight());
        int w = Math.max(res, (int) Math.round(img.getWidth() * scale));
        int h = Math.max(res, (int) Math.round(img.getHeight() * scale));
        BufferedImage resized = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = resized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        int x0 = randomCrop ? rng.nextInt(w - res + 1) : (w - res) / 2;
        int y0 = randomCrop ? rng.nextInt(h - res + 1) : (h - res) / 2;
        boolean flip = randomFlip && rng.nextDouble() < 0.5;
        BufferedImage out = new BufferedImage(res, res, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < res; y++) {
            for (int x = 0; x < res; x++) {
                out.setRGB(flip ? res - 1 - x : x, y, resized.getRGB(x0 + x, y0 + y));
            }
        }
        return out;
    }

    /** An RGB copy of the image, mirrored horizontally when {@code flip}. */
    static BufferedImage copy(BufferedImage img, boolean flip) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                out.setRGB(flip ? img.getWidth() - 1 - x : x, y, img.getRGB(x, y));
            }
        }
        return out;
    }
}
