package dev.udadiffusion.diffusion.schedulers;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shared tables and the DDPM forward process; subclasses implement the grid and the reverse step. */
abstract class BaseScheduler implements Scheduler {

    protected final SchedulerConfig cfg;
    protected final NoiseSchedule sched;
    protected double[] timesteps = new double[0];
    protected int numInferenceSteps;

    BaseScheduler(SchedulerConfig cfg) {
        this.cfg = cfg;
        this.sched = new NoiseSchedule(cfg);
    }

    @Override
    public SchedulerConfig config() {
        return cfg;
    }

    @Override
    public NoiseSchedule schedule() {
        return sched;
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    protected void requireTimesteps() {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException("call setTimesteps(n) before stepping");
        }
    }

    protected void checkSteps(int n) {
        if (n < 1 || n > cfg.numTrainTimesteps()) {
            throw new IllegalArgumentException("number of inference steps must be in 1.." + cfg.numTrainTimesteps() + ", got " + n);
        }
    }

    /** ᾱ at an integer timestep. */
    protected double acp(int t) {
        return sched.alphasCumprod[t];
    }

    protected static int discrete(double t) {
        int i = (int) Math.round(t);
        if (i != t) {
            throw new IllegalArgumentException("this scheduler takes integer timesteps, got " + t);
        }
        return i;
    }

    @Override
    public INDArray scaleModelInput(INDArray sample, double t) {
        return sample;
    }

    @Override
    public boolean isStochastic() {
        return false;
    }

    /** x̂0 and ε̂ from the model output under the configured prediction type. */
    protected INDArray[] predictX0AndEps(INDArray out, INDArray x, double alphaProd) {
        double a = Math.sqrt(alphaProd);
        double b = Math.sqrt(1 - alphaProd);
        return switch (cfg.predictionType()) {
            case "epsilon" -> new INDArray[] {x.sub(out.mul(b)).divi(a), out};
            case "sample" -> new INDArray[] {out, x.sub(out.mul(a)).divi(b)};
            case "v_prediction" -> new INDArray[] {x.mul(a).subi(out.mul(b)), out.mul(a).addi(x.mul(b))};
            default -> throw new IllegalStateException(cfg.predictionType());
        };
    }

    @Override
    public INDArray addNoise(INDArray x0, INDArray noise, INDArray t) {
        INDArray[] c = coefficients(t, x0.rank());
        return x0.mul(c[0]).addi(noise.mul(c[1]));
    }

    @Override
    public INDArray velocity(INDArray x0, INDArray noise, INDArray t) {
        INDArray[] c = coefficients(t, x0.rank());
        return noise.mul(c[0]).subi(x0.mul(c[1]));
    }

    /** [√ᾱ_t, √(1−ᾱ_t)] per sample, shaped [B, 1, 1, ...] for broadcasting (float32 as torch computes them). */
    private INDArray[] coefficients(INDArray t, int rank) {
        long b = t.length();
        float[] sa = new float[(int) b];
        float[] sb = new float[(int) b];
        for (int i = 0; i < b; i++) {
            float a = sched.alphasCumprod[discrete(t.getDouble(i))];
            sa[i] = (float) Math.sqrt(a);
            sb[i] = (float) Math.sqrt(1f - a);
        }
        long[] shape = new long[rank];
        Arrays.fill(shape, 1);
        shape[0] = b;
        return new INDArray[] {Nd4j.create(sa, shape).castTo(DataType.FLOAT), Nd4j.create(sb, shape).castTo(DataType.FLOAT)};
    }
}
