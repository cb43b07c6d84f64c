package dev.udadiffusion.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Each {@code with*} copy changes its own field and keeps every other one (six of them used to drop img2img). */
class GenerationRequestTest {

    private static final INDArray LATENTS = Nd4j.zeros(2, 4, 8, 8);
    private static final INDArray EMBEDS = Nd4j.ones(2, 77, 32);
    private static final INDArray NEG_EMBEDS = Nd4j.ones(2, 77, 32).muli(2);
    private static final GenerationRequest.Img2Img I2I = GenerationRequest.Img2Img.of(Nd4j.zeros(2, 3, 64, 64), 0.6);

    private static GenerationRequest everyFieldSet() {
        return new GenerationRequest(new GenerationRequest.Text(List.of("a", "b"), List.of("x", "y"), EMBEDS, NEG_EMBEDS, 1),
                64, 128, 7, 3.5, 42, LATENTS, I2I);
    }

    @Test
    void eachWithChangesOnlyItsOwnFields() throws Exception {
        check(r -> r.withSize(32, 16), Set.of("height", "width"));
        check(r -> r.withSteps(3), Set.of("steps"));
        check(r -> r.withGuidance(1.0), Set.of("guidanceScale"));
        check(r -> r.withSeed(7), Set.of("seed"));
        check(r -> r.withLatents(Nd4j.ones(2, 4, 8, 8)), Set.of("latents"));
        check(r -> r.withImg2Img(null), Set.of("img2img"));
        check(r -> r.withNegativePrompts(List.of("n", "m")), Set.of("text"));
        check(r -> r.withClipSkip(2), Set.of("text"));
        check(r -> r.withEmbeddings(null, null), Set.of("text"));
    }

    @Test
    void textCopiesKeepTheOtherTextFields() {
        GenerationRequest r = everyFieldSet();
        GenerationRequest n = r.withNegativePrompts(List.of("n", "m"));
        assertEquals(List.of("n", "m"), n.negativePrompts());
        assertEquals(r.prompts(), n.prompts());
        assertSame(EMBEDS, n.promptEmbeds());
        assertSame(NEG_EMBEDS, n.negativeEmbeds());
        assertEquals(1, n.clipSkip());
        GenerationRequest c = r.withClipSkip(2);
        assertEquals(2, c.clipSkip());
        assertEquals(r.negativePrompts(), c.negativePrompts());
        assertSame(EMBEDS, c.promptEmbeds());
        GenerationRequest e = r.withEmbeddings(NEG_EMBEDS, null);
        assertSame(NEG_EMBEDS, e.promptEmbeds());
        assertEquals(null, e.negativeEmbeds());
        assertEquals(r.negativePrompts(), e.negativePrompts());
        assertEquals(1, e.clipSkip());
    }

    @Test
    void defaultsAreSd15sAndBadValuesAreRefused() {
        GenerationRequest r = GenerationRequest.of("a street", 3);
        assertEquals(List.of(512, 512, 50), List.of(r.height(), r.width(), r.steps()));
        assertEquals(7.5, r.guidanceScale());
        assertEquals(3, r.seed());
        assertThrows(IllegalArgumentException.class, () -> r.withSize(100, 64));
        assertThrows(IllegalArgumentException.class, () -> r.withSteps(0));
        assertThrows(IllegalArgumentException.class, () -> r.withGuidance(-1));
        assertThrows(IllegalArgumentException.class, () -> r.withClipSkip(-1));
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.Text.of(null));
    }

    private static void check(UnaryOperator<GenerationRequest> with, Set<String> changed) throws Exception {
        GenerationRequest before = everyFieldSet();
        GenerationRequest after = with.apply(before);
        for (RecordComponent c : GenerationRequest.class.getRecordComponents()) {
            Object a = c.getAccessor().invoke(before);
            Object b = c.getAccessor().invoke(after);
            if (changed.contains(c.getName())) {
                assertNotSameValue(a, b, c.getName());
            } else {
                assertSame(a instanceof Number || a instanceof Boolean ? b : a, b, c.getName() + " changed");
                assertEquals(a, b, c.getName() + " changed");
            }
        }
    }

    private static void assertNotSameValue(Object a, Object b, String name) {
        if (a == b || (a != null && a.equals(b) && !(a instanceof INDArray))) {
            throw new AssertionError(name + " should have changed");
        }
    }
}
