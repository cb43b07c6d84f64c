package dev.udadiffusion.data.io;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.data.labels.LabelMapping;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Readers that open the real datasets in place. Problems (missing folders, images without labels, mismatched sizes)
 * raise one error naming the file, or — with {@link Policy#SKIP} — are skipped and counted in the {@link Listing}.
 */
public final class Datasets {

    /** What to do with a problem sample. */
    public enum Policy {
        /** Stop with an error naming the file. */
        ERROR,
        /** Leave the sample out and record why. */
        SKIP,
        /** For size mismatches: keep the sample and resize its label to the image (nearest neighbour); else as SKIP. */
        RESIZE_LABEL
    }

    /**
     * The samples found, how they map to trainIds, what was skipped (with reasons), and whether label ids outside the
     * mapping's table become ignore (255) instead of an error (off unless asked for).
     */
    public record Listing(String name, List<Sample> samples, LabelMapping mapping, List<String> skipped,
            boolean unknownToIgnore) {
        public Listing {
            samples = List.copyOf(samples);
            skipped = List.copyOf(skipped);
        }

        public Listing(String name, List<Sample> samples, LabelMapping mapping, List<String> skipped) {
            this(name, samples, mapping, skipped, false);
        }

        /** The same listing with the unknown-id policy set. */
        public Listing withUnknownToIgnore(boolean toIgnore) {
            return new Listing(name, samples, mapping, skipped, toIgnore);
        }

        /**
         * The first {@code k} samples of a seeded random order (the listing's order shuffled by {@code seed}): a random
         * subset without repeats, nested — for one seed, the subset of k is part of the subset of any larger k.
         */
        public Listing subset(int k, long seed) {
            if (k < 1 || k > samples.size()) {
                throw new IllegalArgumentException(name + ": a subset of " + k + " of " + samples.size() + " samples");
            }
            List<Sample> order = new ArrayList<>(samples);
            java.util.Collections.shuffle(order, new java.util.Random(seed));
            return new Listing(name + " (" + k + " of " + samples.size() + ", seed " + seed + ")", order.subList(0, k),
                    mapping, skipped, unknownToIgnore);
        }

        /** This listing's samples, then {@code other}'s; both must read labels through the same mapping and policy. */
        public Listing concat(Listing other) {
            if (!mapping.name().equals(other.mapping.name()) || unknownToIgnore != other.unknownToIgnore) {
                throw new IllegalArgumentException("cannot join " + name + " (" + mapping.name() + ") and " + other.name
                        + " (" + other.mapping.name() + "): their labels read differently");
            }
            List<Sample> all = new ArrayList<>(samples);
            all.addAll(other.samples);
            List<String> skip = new ArrayList<>(skipped);
            skip.addAll(other.skipped);
            return new Listing(name + " + " + other.name, all, mapping, skip, unknownToIgnore);
        }

        /** A sample's label as trainIds, under this listing's policy (errors name the file, pixel and value). */
        public int[][] readTrainIds(Sample s) {
            return LabelMaps.readTrainIds(s, mapping, unknownToIgnore);
        }
    }

    /** A dataset's folder layout; {@link #AUTO} picks by the folders present. */
    public enum Layout {
        AUTO, CITYSCAPES, GTA5;

        /** {@code auto}, {@code cityscapes} or {@code gta5} (any case). */
        public static Layout parse(String name) {
            for (Layout l : values()) {
                if (l.name().equalsIgnoreCase(name)) {
                    return l;
                }
            }
            throw new IllegalArgumentException("--layout " + name + " (gta5, cityscapes, auto)");
        }

        /** The layout of {@code root}: this one, or for {@link #AUTO} the one whose folders are there. */
        public Layout of(Path root) {
            if (this != AUTO) {
                return this;
            }
            if (Files.isDirectory(root.resolve("leftImg8bit"))) {
                return CITYSCAPES;
            }
            if (Files.isDirectory(root.resolve("images"))) {
                return GTA5;
            }
            throw new IllegalArgumentException(root + ": neither a Cityscapes (leftImg8bit/) nor a GTA5 (images/) layout");
        }
    }

    private Datasets() {
    }

    /**
     * Opens a Cityscapes or GTA5 root in the given layout ({@code split} is Cityscapes' split; {@code checkSizes} is
     * the GTA5 reader's image/label size check).
     */
    public static Listing open(Path root, Layout layout, String split, Policy policy, boolean checkSizes) {
        return switch (layout.of(root)) {
            case CITYSCAPES -> cityscapes(root, split, policy);
            case GTA5 -> gta5(root, policy, checkSizes);
            case AUTO -> throw new AssertionError("resolved above");
        };
    }

    /**
     * Cityscapes: {@code leftImg8bit/SPLIT/CITY/CITY_SEQ_FRAME_leftImg8bit.png} with
     * {@code gtFine/SPLIT/CITY/CITY_SEQ_FRAME_gtFine_labelTrainIds.png} (preferred) or {@code _gtFine_labelIds.png}.
     */
    public static Listing cityscapes(Path root, String split, Policy policy) {
        Path images = requireDir(root.resolve("leftImg8bit").resolve(split));
        Path labels = requireDir(root.resolve("gtFine").resolve(split));
        List<Sample> out = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path img : list(images, true)) {
            String name = img.getFileName().toString();
            if (!name.endsWith("_leftImg8bit.png")) {
                continue;
            }
            String stem = name.substring(0, name.length() - "_leftImg8bit.png".length());
            Path cityDir = labels.resolve(img.getParent().getFileName());
            Path trainIds = cityDir.resolve(stem + "_gtFine_labelTrainIds.png");
            Path ids = cityDir.resolve(stem + "_gtFine_labelIds.png");
            if (Files.isRegularFile(trainIds)) {
                out.add(new Sample(stem, img, trainIds, true));
            } else if (Files.isRegularFile(ids)) {
                out.add(new Sample(stem, img, ids, false));
            } else if (policy != Policy.ERROR) {
                skipped.add(img + ": no label " + ids);
            } else {
                throw new IllegalArgumentException(img + ": no label (" + trainIds.getFileName() + " or " + ids.getFileName() + ")");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(images + ": no *_leftImg8bit.png images");
        }
        return new Listing("cityscapes/" + split, out, LabelMapping.CITYSCAPES, skipped);
    }

    /**
     * GTA5: {@code images/NNNNN.png} with {@code labels/NNNNN.png} holding Cityscapes labelIds (palette indices), or a
     * converted {@code labels/NNNNN_labelTrainIds.png}. With {@code checkSizes}, pairs whose image and label sizes
     * differ are an error, skipped ({@link Policy#SKIP}) or kept with the label resized ({@link Policy#RESIZE_LABEL});
     * either way they are listed in {@link Listing#skipped()}.
     */
    public static Listing gta5(Path root, Policy policy, boolean checkSizes) {
        Path images = requireDir(root.resolve("images"));
        Path labels = requireDir(root.resolve("labels"));
        List<Sample> out = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path img : list(images, false)) {
            String name = img.getFileName().toString();
            if (!name.matches("\\d+\\.png")) {
                continue;
            }
            String stem = name.substring(0, name.length() - 4);
            Path trainIds = labels.resolve(stem + "_labelTrainIds.png");
            Path ids = labels.resolve(name);
            Sample s = Files.isRegularFile(trainIds) ? new Sample(stem, img, trainIds, true)
                    : Files.isRegularFile(ids) ? new Sample(stem, img, ids, false) : null;
            String problem = null;
            if (s == null) {
                problem = img + ": no label " + ids;
            } else if (checkSizes) {
                int[] a = Images.size(img);
                int[] b = Images.size(s.label());
                if (a[0] != b[0] || a[1] != b[1]) {
                    problem = img + ": image is " + a[0] + "x" + a[1] + " but its label " + s.label().getFileName() + " is "
                            + b[0] + "x" + b[1];
                    if (policy == Policy.RESIZE_LABEL) {
                        skipped.add(problem + " (label resized, nearest neighbour)");
                        out.add(new Sample(s.id(), s.image(), s.label(), s.labelIsTrainIds(), a[0], a[1]));
                        continue;
                    }
                }
            }
            if (problem != null) {
                if (policy == Policy.ERROR) {
                    throw new IllegalArgumentException(problem);
                }
                skipped.add(problem);
                continue;
            }
            out.add(s);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(images + ": no NNNNN.png images");
        }
        return new Listing("gta5", out, LabelMapping.GTA5, skipped);
    }

    /**
     * The images of a root without their labels (self-training's unlabeled target): Cityscapes'
     * {@code leftImg8bit/SPLIT/CITY/*_leftImg8bit.png} or GTA5's {@code images/*.png}, sorted.
     */
    public static List<Path> images(Path root, Layout layout, String split) {
        Layout l = layout.of(root);
        Path dir = requireDir(l == Layout.CITYSCAPES ? root.resolve("leftImg8bit").resolve(split) : root.resolve("images"));
        String suffix = l == Layout.CITYSCAPES ? "_leftImg8bit.png" : ".png";
        List<Path> out = list(dir, l == Layout.CITYSCAPES).stream()
                .filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
        if (out.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no *" + suffix + " images");
        }
        return out;
    }

    private static Path requireDir(Path p) {
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException(p + ": folder does not exist");
        }
        return p;
    }

    private static List<Path> list(Path dir, boolean recursive) {
        try (Stream<Path> s = recursive ? Files.walk(dir, 2) : Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }
}
