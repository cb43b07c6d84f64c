package dev.udadiffusion.core.image;

import dev.udadiffusion.core.errors.DataException;
import dev.udadiffusion.core.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.imageio.IIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * RGB images ↔ tensors the way diffusers' {@code VaeImageProcessor} converts them: pixels / 255 → [0, 1] → 2x − 1
 * into [1, 3, H, W]; back: (x / 2 + 0.5) clamped to [0, 1], × 255, rounded half to even (numpy's {@code round}), uint8.
 */
public final class Images {

    private Images() {
    }

    /** Reads a PNG, JPEG, BMP or GIF file as 8-bit RGB; throws naming the file when it cannot. */
    public static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file, "file does not exist");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IIOException e) {
            throw new DataException(file, "unreadable or truncated image (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new DataException(file, Files.isRegularFile(file) && file.toFile().length() == 0 ? "empty file, not an image"
                    : "not an image in a supported format (PNG, JPEG, BMP, GIF)");
        }
        return img;
    }

    /** [1, 3, H, W] float in [-1, 1]. */
    public static INDArray toTensor(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        float[] v = new float[3 * h * w];
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < h * w; i++) {
            int p = rgb[i];
            v[i] = unit((p >> 16) & 0xff);
            v[h * w + i] = unit((p >> 8) & 0xff);
            v[2 * h * w + i] = unit(p & 0xff);
        }
        return Nd4j.create(v, new long[] {1, 3, h, w});
    }

    private static float unit(int c) {
        float x = c / 255.0f;
        return 2.0f * x - 1.0f;
    }

    /** Reads a file into [1, 3, H, W] in [-1, 1], requiring H and W to be multiples of {@code multiple}. */
    public static INDArray readTensor(Path file, int multiple) {
        BufferedImage img = read(file);
        if (img.getHeight() % multiple != 0 || img.getWidth() % multiple != 0) {
            throw new IllegalArgumentException(file + ": image is " + img.getWidth() + "x" + img.getHeight()
                    + "; width and height must be multiples of " + multiple);
        }
        return toTensor(img);
    }

    /** One image from [3, H, W] or [1, 3, H, W] values in [0, 1] (pipeline output), rounded as diffusers does. */
    public static BufferedImage fromUnitTensor(INDArray x) {
        return fromTensor(x.mul(2).subi(1));
    }

    /** One image from [3, H, W] or [1, 3, H, W] values in about [-1, 1]. */
    public static BufferedImage fromTensor(INDArray x) {
        INDArray t = x.rank() == 4 ? x.slice(0) : x;
        if (t.rank() != 3 || t.size(0) != 3) {
            throw new IllegalArgumentException("expected [3, H, W] or [1, 3, H, W], got " + Arrays.toString(x.shape()));
        }
        int h = (int) t.size(1);
        int w = (int) t.size(2);
        float[] v = t.castTo(DataType.FLOAT).dup('c').data().asFloat();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[h * w];
        for (int i = 0; i < h * w; i++) {
            rgb[i] = (byte8(v[i]) << 16) | (byte8(v[h * w + i]) << 8) | byte8(v[2 * h * w + i]);
        }
        img.setRGB(0, 0, w, h, rgb, 0, w);
        return img;
    }

    /** diffusers' denormalisation of one value in [-1, 1] to a byte. */
    public static int byte8(float x) {
        float u = x / 2.0f + 0.5f;
        u = Math.min(1.0f, Math.max(0.0f, u));
        return (int) Math.rint(u * 255.0f);
    }

    /** {width, height} of an image file, read from its header without decoding the pixels. */
    public static int[] size(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IllegalArgumentException(file + ": cannot open");
            }
            Iterator<ImageReader> it = ImageIO.getImageReaders(in);
            if (!it.hasNext()) {
                throw new IllegalArgumentException(file + ": not an image in a supported format");
            }
            ImageReader r = it.next();
            try {
                r.setInput(in);
                return new int[] {r.getWidth(0), r.getHeight(0)};
            } finally {
                r.dispose();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": unreadable (" + e.getMessage() + ")", e);
        }
    }

    /** Writes PNG (or JPEG for .jpg/.jpeg) atomically: a temp file in the same folder, then a move. */
    public static void write(BufferedImage img, Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String format = name.endsWith(".jpg") || name.endsWith(".jpeg") ? "jpeg" : "png";
        if (!format.equals("jpeg") && !name.endsWith(".png")) {
            throw new IllegalArgumentException(file + ": choose a .png, .jpg or .jpeg file name");
        }
        AtomicFiles.write(file, "image", tmp -> {
            if (!ImageIO.write(img, format, tmp.toFile())) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        });
    }

    /**
     * Writes a PNG with {@code text} as tEXt chunks (key → value; e.g. the generation parameters), atomically.
     */
    public static void writePng(BufferedImage img, Path file, Map<String, String> text) {
        AtomicFiles.write(file, "image", tmp -> {
            ImageWriter w = ImageIO.getImageWritersByFormatName("png").next();
            ImageWriteParam param = w.getDefaultWriteParam();
            IIOMetadata meta = w.getDefaultImageMetadata(
                    ImageTypeSpecifier.createFromRenderedImage(img), param);
            IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
            IIOMetadataNode textNode = new IIOMetadataNode("tEXt");
            for (Map.Entry<String, String> e : text.entrySet()) {
                IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                entry.setAttribute("keyword", e.getKey());
                entry.setAttribute("value", e.getValue());
                textNode.appendChild(entry);
            }
            root.appendChild(textNode);
            meta.mergeTree("javax_imageio_png_1.0", root);
            try (ImageOutputStream out = ImageIO.createImageOutputStream(tmp.toFile())) {
                w.setOutput(out);
                w.write(null, new IIOImage(img, null, meta), param);
            } finally {
                w.dispose();
            }
        });
    }

    /** The tEXt chunks of a PNG file. */
    public static Map<String, String> readPngText(Path file) {
        Map<String, String> m = new LinkedHashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader r = ImageIO.getImageReadersByFormatName("png").next();
            r.setInput(in);
            Node root = r.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n.getNodeName().equals("tEXt")) {
                    for (Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
                        NamedNodeMap a = e.getAttributes();
                        m.put(a.getNamedItem("keyword").getNodeValue(), a.getNamedItem("value").getNodeValue());
                    }
                }
            }
            r.dispose();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return m;
    }

    /** Writes [3, H, W] / [1, 3, H, W] values in [-1, 1] as an image file. */
    public static void writeTensor(INDArray x, Path file) {
        write(fromTensor(x), file);
    }

}
