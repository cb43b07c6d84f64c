package dev.udadiffusion.diffusion.schedulers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * DPM-Solver++ (Lu et al. 2022) in its multistep form, as diffusers' {@code DPMSolverMultistepScheduler} with
 * algorithm_type "dpmsolver++" (data prediction), orders 1–2, solver_type midpoint or heun. With α_t = 1/√(σ²+1),
 * σ_t = σ α_t, λ = log α_t − log σ_t, h = λ_t − λ_s0:
 * 1st order x_t = (σ_t/σ_s0) x − α_t (e^{−h} − 1) x̂0; 2M (midpoint) adds − ½ α_t (e^{−h} − 1) D1 with
 * D1 = (m0 − m1)/r0, r0 = (λ_s0 − λ_s1)/h. The first step, and the last when final σ is 0 (or lower_order_final with
 * fewer than 15 steps), use first order. Not thread-safe.
 */
public final class DPMSolverMultistepScheduler extends SigmaScheduler {

    private final int order;
    private final boolean heun;
    private INDArray[] modelOutputs;
    private int lowerOrderNums;

    public DPMSolverMultistepScheduler(SchedulerConfig cfg) {
        super(cfg);
        this.order = cfg.solverOrder() == null ? 2 : cfg.solverOrder();
        String algo = cfg.algorithmType() == null ? "dpmsolver++" : cfg.algorithmType();
        String type = cfg.solverType() == null ? "midpoint" : cfg.solverType();
        if (!algo.equals("dpmsolver++")) {
            throw new IllegalArgumentException("algorithm_type=" + algo + " is not supported (dpmsolver++)");
        }
        if (order < 1 || order > 2) {
            throw new IllegalArgumentException("solver_order=" + order + " is not supported (1 or 2)");
        }
        if (!type.equals("midpoint") && !type.equals("heun")) {
            throw new IllegalArgumentException("solver_type=" + type + " is not supported (midpoint or heun)");
        }
        this.heun = type.equals("heun");
    }

    @Override
    public void setTimesteps(int n) {
        checkSteps(n);
        numInferenceSteps = n;
        timesteps = TimestepSpacing.multistep(cfg.spacing("linspace"), cfg.numTrainTimesteps(), n, cfg.stepsOffset());
        computeSigmas(timesteps, finalSigma());
        modelOutputs = new INDArray[order];
        lowerOrderNums = 0;
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    @Override
    public StepOutput step(INDArray out, double t, INDArray x, INDArray noise) {
        requireTimesteps();
        initStepIndex(t);
        int n = timesteps.length;
        boolean lowerOrderFinal = stepIndex == n - 1 && (Boolean.TRUE.equals(cfg.eulerAtFinal())
                || (cfg.lowerOrderFinal() == null || cfg.lowerOrderFinal()) && n < 15
                || !"sigma_min".equals(cfg.finalSigmasType()));
        // convert the model output to x̂0 at the current σ
        double[] as = alphaSigma(sigmas[stepIndex]);
        INDArray x0 = switch (cfg.predictionType()) {
            case "epsilon" -> x.sub(out.mul(as[1])).divi(as[0]);
            case "v_prediction" -> x.mul(as[0]).subi(out.mul(as[1]));
            default -> out;
        };
        System.arraycopy(modelOutputs, 1, modelOutputs, 0, order - 1);
        modelOutputs[order - 1] = x0;
        INDArray prev;
        if (order == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
            prev = firstOrder(x0, x);
        } else {
            prev = secondOrder(x);
        }
        if (lowerOrderNums < order) {
            lowerOrderNums++;
        }
        stepIndex++;
        return new StepOutput(prev, x0);
    }

    private INDArray firstOrder(INDArray x0, INDArray x) {
        double[] t = alphaSigma(sigmas[stepIndex + 1]);
        double[] s = alphaSigma(sigmas[stepIndex]);
        double h = lambda(sigmas[stepIndex + 1]) - lambda(sigmas[stepIndex]);
        return x.mul(t[1] / s[1]).subi(x0.mul(t[0] * (Math.exp(-h) - 1.0)));
    }

    private INDArray secondOrder(INDArray x) {
        double[] t = alphaSigma(sigmas[stepIndex + 1]);
        double[] s0 = alphaSigma(sigmas[stepIndex]);
        double lt = lambda(sigmas[stepIndex + 1]);
        double l0 = lambda(sigmas[stepIndex]);
        double l1 = lambda(sigmas[stepIndex - 1]);
        INDArray m0 = modelOutputs[order - 1];
        INDArray m1 = modelOutputs[order - 2];
        double h = lt - l0;
        double r0 = (l0 - l1) / h;
        INDArray d1 = m0.sub(m1).muli(1.0 / r0);
        double e = Math.exp(-h) - 1.0;
        INDArray xt = x.mul(t[1] / s0[1]).subi(m0.mul(t[0] * e));
        return heun ? xt.addi(d1.muli(t[0] * (e / h + 1.0))) : xt.subi(d1.muli(0.5 * t[0] * e));
    }

    @Override
    public INDArray addNoise(INDArray x0, INDArray noise, INDArray t) {
        requireTimesteps();
        INDArray s = sigmasFor(t, x0.rank());
        INDArray alpha = Transforms.pow(s.mul(s).addi(1), -0.5); // α_t = 1/√(σ²+1)
        return x0.mul(alpha).addi(noise.mul(s.mul(alpha)));
    }
}
