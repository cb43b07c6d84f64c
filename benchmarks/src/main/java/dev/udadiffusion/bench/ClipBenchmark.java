package dev.udadiffusion.bench;

import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import dev.udadiffusion.diffusion.clip.CLIPTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * CLIP timings: tokenizing 10,000 prompts (cold and warm BPE cache), and the full ViT-L/14 text encoder (SD1.5's,
 * random weights) on a batch of 2.
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * OMP_NUM_THREADS=2 java -Dorg.bytedeco.javacpp.maxbytes=8G -cp benchmarks/target/benchmarks.jar \
 *      dev.udadiffusion.bench.ClipBenchmark testdata/reference/clip_tokenizer [--repeat 3]
 * </pre>
 */
public final class ClipBenchmark {

    private ClipBenchmark() {
    }

    public static void main(String[] args) {
        Path tokDir = Path.of(args.length > 0 ? args[0] : "testdata/reference/clip_tokenizer");
        int repeat = args.length > 2 && args[1].equals("--repeat") ? Integer.parseInt(args[2]) : 3;
        CLIPTokenizer tok = CLIPTokenizer.load(tokDir);
        List<String> prompts = new ArrayList<>();
        String[] words = {"road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "sign", "vegetation",
            "terrain", "sky", "person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle", "night", "rain",
            "fog", "photorealistic", "dashcam", "Zürich", "Frankfurt"};
        Random r = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            StringBuilder sb = new StringBuilder("a photo of");
            for (int k = 0; k < 12; k++) {
                sb.append(' ').append(words[r.nextInt(words.length)]).append(k % 3 == 0 ? "," : "");
            }
            prompts.add(sb.toString());
        }
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            tok.encode(prompts);
            System.out.printf("tokenize 10,000 prompts: %.3f s%n", (System.nanoTime() - t0) / 1e9);
        }
        long t0 = System.nanoTime();
        try (CLIPTextModel m = CLIPTextModel.random(CLIPTextConfig.vitL14(), 1)) {
            System.out.printf("built ViT-L/14 text encoder (%,d parameters) in %.1f s%n", m.params().count(),
                    (System.nanoTime() - t0) / 1e9);
            long[][] ids = tok.encode(prompts.subList(0, 2)).inputIds();
            for (int i = 0; i < repeat; i++) {
                long s = System.nanoTime();
                m.encode(ids, 0);
                System.out.printf("encode batch of 2: %.3f s, peak RSS %d MB%n", (System.nanoTime() - s) / 1e9,
                        ProcessMemory.peakMb());
            }
        }
    }
}
