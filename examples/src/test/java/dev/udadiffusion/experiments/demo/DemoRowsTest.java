package dev.udadiffusion.experiments.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.udadiffusion.data.toyworld.ToyWorld;
import dev.udadiffusion.segformer.train.SegformerTraining;
import dev.udadiffusion.segformer.uda.SelfTraining;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoRowsTest {

    static final ToyWorld.Written WORLD = new ToyWorld.Written(Path.of("w"), Path.of("w/source"), Path.of("w/target"), false,
            new double[19], new double[19]);

    @Test
    void eachRowSetHasItsRowsAndTheSelfTrainingRowsAdaptToTheTargetImages() {
        Path gen = Path.of("gen");
        assertEquals(List.of("source", "source + photometric aug.", "generated", "target (oracle)"),
                Demo.rows(DemoOptions.RowSet.DEMO, WORLD, gen, "generated").stream().map(DemoRows.Row::name).toList());
        List<DemoRows.Row> withSt = Demo.rows(DemoOptions.RowSet.DEMO_SELF_TRAINING, WORLD, gen, "generated");
        assertEquals(List.of("source", "source + photometric aug.", "generated", "target (oracle)", "source + self-training",
                "generated + self-training"), withSt.stream().map(DemoRows.Row::name).toList());
        List<DemoRows.Row> t45 = Demo.rows(DemoOptions.RowSet.TABLE_4_5, WORLD, gen, "generated");
        assertEquals(List.of("source", "generated", "source + self-training", "generated + self-training"),
                t45.stream().map(DemoRows.Row::name).toList());
        assertNull(t45.get(1).selfTrainingTarget());
        assertEquals(Path.of("w/target"), t45.get(2).selfTrainingTarget());
        assertEquals(Path.of("w/source"), t45.get(2).data());
        assertEquals(gen, t45.get(3).data());
        assertEquals(Path.of("w/target"), t45.get(3).selfTrainingTarget());
    }

    /** The toy recipe's rules: EMA horizon 1/40 of the run (capped at DAFormer's 0.999), DAFormer's rows scaled to 64. */
    @Test
    void toySelfTrainingScalesDaformersSettings() {
        SegformerTraining.Options source = SegformerTraining.Options.daformer(Path.of("o"))
                .withCrops(new SegformerTraining.Options.Crops(64, 0, 0, 0.75));
        SelfTraining.Options o = DemoRows.toySelfTraining(source, 500);
        assertEquals(0.92, o.dacs().alpha(), 1e-12);
        assertEquals(2, o.dacs().ignoreTop());
        assertEquals(15, o.dacs().ignoreBottom());
        assertEquals(0.968, o.dacs().pseudoThreshold());
        assertEquals(0, o.targetResizeW());
        assertEquals(0.999, DemoRows.toySelfTraining(source, 1_000_000).dacs().alpha(), 1e-12);
        assertEquals(0, DemoRows.toySelfTraining(source, 10).dacs().alpha(), 1e-12);
    }
}
