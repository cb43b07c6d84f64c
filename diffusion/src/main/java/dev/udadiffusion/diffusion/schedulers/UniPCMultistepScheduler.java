package dev.udadiffusion.diffusion.schedulers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealVector;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * UniPC (Zhao et al. 2023), as diffusers' {@code UniPCMultistepScheduler}: a UniP predictor of order p and, from the
 * second step on, a UniC corrector that re-does the previous update with the new model output. Notation as in the
 * paper / diffusers: hh = −h (predict_x0), h_φ1 = expm1(hh), B(h) = hh (bh1) or expm1(hh) (bh2), coefficients
 * b_i = h_φk·i!/B(h), r_k = (λ_{s_k} − λ_{s0})/h, ρ from R ρ = b (ρ_p = ½ for p = 2, ρ_c = ½ for p = 1).
 * The order warms up (min(order, steps seen + 1)) and drops at the end with lower_order_final. Not thread-safe.
 */
public final class UniPCMultistepScheduler extends SigmaScheduler {

    private final int order;
    private final boolean predictX0;
    private final boolean bh2;
    private final List<Integer> disableCorrector;
    private INDArray[] modelOutputs;
    private INDArray lastSample;
    private int lowerOrderNums;
    private int thisOrder;

    public UniPCMultistepScheduler(SchedulerConfig cfg) {
        super(cfg);
        this.order = cfg.solverOrder() == null ? 2 : cfg.solverOrder();
        this.predictX0 = cfg.predictX0() == null || cfg.predictX0();
        String type = cfg.solverType() == null ? "bh2" : cfg.solverType();
        if (!type.equals("bh1") && !type.equals("bh2")) {
            throw new IllegalArgumentException("solver_type=" + type + " is not supported (bh1 or bh2)");
        }
        if (order < 1 || order > 3) {
            throw new IllegalArgumentException("solver_order=" + order + " is not supported (1 to 3)");
        }
        this.bh2 = type.equals("bh2");
        this.disableCorrector = cfg.disableCorrector() == null ? List.of() : List.copyOf(cfg.disableCorrector());
    }

    @Override
    public void setTimesteps(int n) {
        checkSteps(n);
        numInferenceSteps = n;
        timesteps = TimestepSpacing.multistep(cfg.spacing("linspace"), cfg.numTrainTimesteps(), n, cfg.stepsOffset());
        computeSigmas(timesteps, finalSigma());
        modelOutputs = new INDArray[order];
        lastSample = null;
        lowerOrderNums = 0;
        thisOrder = 0;
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    private INDArray convert(INDArray out, INDArray x) {
        double[] as = alphaSigma(sigmas[stepIndex]);
        if (predictX0) {
            return switch (cfg.predictionType()) {
                case "epsilon" -> x.sub(out.mul(as[1])).divi(as[0]);
                case "v_prediction" -> x.mul(as[0]).subi(out.mul(as[1]));
                default -> out;
            };
        }
        return switch (cfg.predictionType()) {
            case "epsilon" -> out;
            case "v_prediction" -> out.mul(as[0]).addi(x.mul(as[1]));
            default -> x.sub(out.mul(as[0])).divi(as[1]);
        };
    }

    @Override
    public StepOutput step(INDArray out, double t, INDArray x, INDArray noise) {
        requireTimesteps();
        initStepIndex(t);
        boolean useCorrector = stepIndex > 0 && !disableCorrector.contains(stepIndex - 1) && lastSample != null;
        INDArray m = convert(out, x);
        INDArray sample = x;
        if (useCorrector) {
            sample = corrector(m, lastSample, x, thisOrder);
        }
        System.arraycopy(modelOutputs, 1, modelOutputs, 0, order - 1);
        modelOutputs[order - 1] = m;
        int n = timesteps.length;
        int o = (cfg.lowerOrderFinal() == null || cfg.lowerOrderFinal()) ? Math.min(order, n - stepIndex) : order;
        thisOrder = Math.min(o, lowerOrderNums + 1);
        lastSample = sample;
        INDArray prev = predictor(sample, thisOrder);
        if (lowerOrderNums < order) {
            lowerOrderNums++;
        }
        stepIndex++;
        return new StepOutput(prev, predictX0 ? m : null);
    }

    /** Coefficients shared by UniP and UniC: [hh, h_φ1, B(h)] and b_1..b_order. */
    private double[] bCoefficients(double hh, int ord, double[] head) {
        double hPhi1 = Math.expm1(hh);
        double hPhiK = hPhi1 / hh - 1;
        double bh = bh2 ? Math.expm1(hh) : hh;
        double[] b = new double[ord];
        double factorial = 1;
        for (int i = 1; i <= ord; i++) {
            b[i - 1] = hPhiK * factorial / bh;
            factorial *= i + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        head[0] = hPhi1;
        head[1] = bh;
        return b;
    }

    private static double[] solve(double[] rks, double[] b, int size) {
        double[][] r = new double[size][size];
        for (int i = 0; i < size; i++) {
            for (int k = 0; k < size; k++) {
                r[i][k] = Math.pow(rks[k], i);
            }
        }
        RealVector sol = new LUDecomposition(new Array2DRowRealMatrix(r)).getSolver()
                .solve(new ArrayRealVector(Arrays.copyOf(b, size)));
        return sol.toArray();
    }

    private INDArray predictor(INDArray x, int ord) {
        INDArray m0 = modelOutputs[order - 1];
        double sigT = sigmas[stepIndex + 1];
        double sigS0 = sigmas[stepIndex];
        double[] t = alphaSigma(sigT);
        double[] s0 = alphaSigma(sigS0);
        double l0 = lambda(sigS0);
        double h = lambda(sigT) - l0;
        double[] rks = new double[ord];
        List<INDArray> d1s = new ArrayList<>();
        for (int i = 1; i < ord; i++) {
            double rk = (lambda(sigmas[stepIndex - i]) - l0) / h;
            rks[i - 1] = rk;
            d1s.add(modelOutputs[order - 1 - i].sub(m0).divi(rk));
        }
        rks[ord - 1] = 1.0;
        double hh = predictX0 ? -h : h;
        double[] head = new double[2];
        double[] b = bCoefficients(hh, ord, head);
        INDArray res = null;
        if (!d1s.isEmpty()) {
            double[] rhos = ord == 2 ? new double[] {0.5} : solve(rks, b, ord - 1);
            for (int k = 0; k < d1s.size(); k++) {
                INDArray term = d1s.get(k).mul(rhos[k]);
                res = res == null ? term : res.addi(term);
            }
        }
        INDArray xt;
        if (predictX0) {
            xt = x.mul(t[1] / s0[1]).subi(m0.mul(t[0] * head[0]));
            if (res != null) {
                xt.subi(res.muli(t[0] * head[1]));
            }
        } else {
            xt = x.mul(t[0] / s0[0]).subi(m0.mul(t[1] * head[0]));
            if (res != null) {
                xt.subi(res.muli(t[1] * head[1]));
            }
        }
        return xt;
    }

    private INDArray corrector(INDArray modelT, INDArray last, INDArray thisSample, int ord) {
        INDArray m0 = modelOutputs[order - 1];
        double sigT = sigmas[stepIndex];
        double sigS0 = sigmas[stepIndex - 1];
        double[] t = alphaSigma(sigT);
        double[] s0 = alphaSigma(sigS0);
        double l0 = lambda(sigS0);
        double h = lambda(sigT) - l0;
        double[] rks = new double[ord];
        List<INDArray> d1s = new ArrayList<>();
        for (int i = 1; i < ord; i++) {
            double rk = (lambda(sigmas[stepIndex - (i + 1)]) - l0) / h;
            rks[i - 1] = rk;
            d1s.add(modelOutputs[order - 1 - i].sub(m0).divi(rk));
        }
        rks[ord - 1] = 1.0;
        double hh = predictX0 ? -h : h;
        double[] head = new double[2];
        double[] b = bCoefficients(hh, ord, head);
        double[] rhos = ord == 1 ? new double[] {0.5} : solve(rks, b, ord);
        INDArray corr = modelT.sub(m0).muli(rhos[rhos.length - 1]);
        for (int k = 0; k < d1s.size(); k++) {
            corr.addi(d1s.get(k).mul(rhos[k]));
        }
        if (predictX0) {
            return last.mul(t[1] / s0[1]).subi(m0.mul(t[0] * head[0])).subi(corr.muli(t[0] * head[1]));
        }
        return last.mul(t[0] / s0[0]).subi(m0.mul(t[1] * head[0])).subi(corr.muli(t[1] * head[1]));
    }

    @Override
    public INDArray addNoise(INDArray x0, INDArray noise, INDArray t) {
        requireTimesteps();
        INDArray s = sigmasFor(t, x0.rank());
        INDArray alpha = Transforms.pow(s.mul(s).addi(1), -0.5); // α_t = 1/√(σ²+1)
        return x0.mul(alpha).addi(noise.mul(s.mul(alpha)));
    }
}
