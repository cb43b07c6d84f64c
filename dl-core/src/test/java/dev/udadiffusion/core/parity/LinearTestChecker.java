package dev.udadiffusion.core.parity;

import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.state.Checkpoint;
import dev.udadiffusion.core.state.KeyMapping;
import dev.udadiffusion.core.state.Params;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A checker for synthetic "test.Linear" fixtures, used to test the harness itself (registered in the test-jar). */
public final class LinearTestChecker implements ParityChecker {

    @Override
    public String kind() {
        return "test-linear";
    }

    @Override
    public boolean accepts(Fixture f) {
        return f.referenceClass().filter("test.Linear"::equals).isPresent();
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        int in = f.config().path("in_features").asInt();
        int out = f.config().path("out_features").asInt();
        SameDiff sd = Graphs.newSameDiff();
        try (Checkpoint ck = Checkpoint.open(KeyMapping.IDENTITY, f.weights())) {
            Params p = Params.load(sd, DataType.FLOAT, ck);
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, in);
            SDVariable y = Linear.forward(p, "fc", x, 2, in, out, true);
            p.report().requireClean();
            return Map.of("out.y", sd.output(Map.of("x", f.input("x")), y.name()).get(y.name()));
        }
    }
}
