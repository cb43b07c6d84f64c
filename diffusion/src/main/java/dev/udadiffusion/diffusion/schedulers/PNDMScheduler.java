package dev.udadiffusion.diffusion.schedulers;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PNDM with PLMS steps only (skip_prk_steps, as SD uses it; Liu et al. 2022), as diffusers' {@code PNDMScheduler}:
 * n+1 timesteps with the second repeated; linear multistep combinations of the last ε's (orders 1–4), and the
 * transfer x_prev = √(ᾱ_prev/ᾱ_t) x − (ᾱ_prev − ᾱ_t) ε' / (ᾱ_t √(1−ᾱ_prev) + √(ᾱ_t (1−ᾱ_t) ᾱ_prev)).
 * Not thread-safe.
 */
public final class PNDMScheduler extends BaseScheduler {

    private final double finalAlphaCumprod;
    private final List<INDArray> ets = new ArrayList<>();
    private INDArray curSample;
    private int counter;

    public PNDMScheduler(SchedulerConfig cfg) {
        super(cfg);
        if (cfg.skipPrkSteps() == null || !cfg.skipPrkSteps()) {
            throw new IllegalArgumentException("skip_prk_steps=false (Runge-Kutta warm-up) is not supported; SD uses true");
        }
        boolean one = cfg.setAlphaToOne() != null && cfg.setAlphaToOne();
        this.finalAlphaCumprod = one ? 1.0 : sched.alphasCumprod[0];
    }

    @Override
    public void setTimesteps(int n) {
        checkSteps(n);
        numInferenceSteps = n;
        double[] base = TimestepSpacing.standard(cfg.spacing("leading"), cfg.numTrainTimesteps(), n, cfg.stepsOffset(), true);
        // ascending _timesteps = reverse(base); plms = cat(ts[:-1], ts[-2:-1], ts[-1:]) reversed
        double[] asc = new double[n];
        for (int i = 0; i < n; i++) {
            asc[i] = base[n - 1 - i];
        }
        double[] plms = new double[n + 1];
        int k = 0;
        for (int i = 0; i < n - 1; i++) {
            plms[k++] = asc[i];
        }
        plms[k++] = n >= 2 ? asc[n - 2] : asc[0];
        plms[k] = asc[n - 1];
        timesteps = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            timesteps[i] = plms[n - i];
        }
        ets.clear();
        curSample = null;
        counter = 0;
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    @Override
    public StepOutput step(INDArray out, double tt, INDArray x, INDArray noise) {
        requireTimesteps();
        int t = discrete(tt);
        int ratio = cfg.numTrainTimesteps() / numInferenceSteps;
        int prev = t - ratio;
        if (counter != 1) {
            while (ets.size() > 3) {
                ets.remove(0);
            }
            ets.add(out);
        } else {
            prev = t;
            t = t + ratio;
        }
        INDArray e;
        INDArray sample = x;
        int m = ets.size();
        if (m == 1 && counter == 0) {
            e = out;
            curSample = x;
        } else if (m == 1 && counter == 1) {
            e = out.add(ets.get(0)).divi(2);
            sample = curSample;
            curSample = null;
        } else if (m == 2) {
            e = ets.get(1).mul(3).subi(ets.get(0)).divi(2);
        } else if (m == 3) {
            e = ets.get(2).mul(23).subi(ets.get(1).mul(16)).addi(ets.get(0).mul(5)).divi(12);
        } else {
            e = ets.get(m - 1).mul(55).subi(ets.get(m - 2).mul(59)).addi(ets.get(m - 3).mul(37))
                    .subi(ets.get(m - 4).mul(9)).divi(24);
        }
        INDArray prevSample = prevSample(sample, t, prev, e);
        counter++;
        return new StepOutput(prevSample, null);
    }

    private INDArray prevSample(INDArray x, int t, int prev, INDArray e) {
        double aT = acp(t);
        double aPrev = prev >= 0 ? acp(prev) : finalAlphaCumprod;
        double bT = 1 - aT;
        double bPrev = 1 - aPrev;
        INDArray eps = e;
        if (cfg.predictionType().equals("v_prediction")) {
            eps = e.mul(Math.sqrt(aT)).addi(x.mul(Math.sqrt(bT)));
        } else if (!cfg.predictionType().equals("epsilon")) {
            throw new IllegalStateException("PNDM supports epsilon and v_prediction, not " + cfg.predictionType());
        }
        double sampleCoeff = Math.sqrt(aPrev / aT);
        double denom = aT * Math.sqrt(bPrev) + Math.sqrt(aT * bT * aPrev);
        return x.mul(sampleCoeff).subi(eps.mul((aPrev - aT) / denom));
    }
}
