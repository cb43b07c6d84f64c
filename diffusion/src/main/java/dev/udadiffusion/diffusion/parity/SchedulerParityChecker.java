package dev.udadiffusion.diffusion.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.core.parity.Tolerance;
import dev.udadiffusion.diffusion.schedulers.DDIMScheduler;
import dev.udadiffusion.diffusion.schedulers.DDPMScheduler;
import dev.udadiffusion.diffusion.schedulers.NoiseSchedule;
import dev.udadiffusion.diffusion.schedulers.Scheduler;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.schedulers.Schedulers;
import dev.udadiffusion.diffusion.schedulers.SigmaAccess;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Parity for scheduler trajectory fixtures (config with {@code resolved_configs}, {@code num_inference_steps},
 * {@code step_kwargs}). For each run K and step count n, x = in.x_T · init σ, then per timestep: model input, a fake
 * model ε = 0.1·input + sin(0.01 t)·in.C, and a step with the recorded noise {@code in.K.nN.noise[i]}. Outputs
 * {@code out.K.nN.*} (timesteps, init_noise_sigma, sigmas, x_init, model_input, model_output, samples,
 * pred_original_sample), plus betas, alphas_cumprod and DDPM add_noise.
 */
public final class SchedulerParityChecker implements ParityChecker {

    /** Fixture run names → diffusers scheduler classes. */
    static final Map<String, String> RUNS = Map.of("ddim", "DDIMScheduler", "ddim_eta1", "DDIMScheduler", "ddpm",
            "DDPMScheduler", "pndm", "PNDMScheduler", "euler", "EulerDiscreteScheduler", "euler_ancestral",
            "EulerAncestralDiscreteScheduler", "dpmpp_2m", "DPMSolverMultistepScheduler", "unipc", "UniPCMultistepScheduler");

    @Override
    public String kind() {
        return "schedulers";
    }

    @Override
    public boolean accepts(Fixture f) {
        return f.config().has("resolved_configs") && f.config().has("num_inference_steps");
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        JsonNode c = f.config();
        SchedulerConfig base = Configs.read(c.get("base_config"), SchedulerConfig.class, f.dir() + " base_config");
        DDPMScheduler ddpm = new DDPMScheduler(base);
        NoiseSchedule ns = ddpm.schedule();
        out.put("out.betas", Nd4j.createFromArray(ns.betas()));
        out.put("out.alphas_cumprod", Nd4j.createFromArray(ns.alphasCumprod()));
        if (f.io().contains("in.add_noise.x0")) {
            out.put("out.add_noise.noisy", ddpm.addNoise(f.input("add_noise.x0"), f.input("add_noise.noise"),
                    f.input("add_noise.timesteps")));
        }
        INDArray xT = f.input("x_T");
        INDArray cTensor = f.input("C");
        for (Iterator<Map.Entry<String, JsonNode>> it = c.get("resolved_configs").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> run = it.next();
            String cls = RUNS.get(run.getKey());
            if (cls == null) {
                continue; // unknown run: its outputs will be reported as not produced
            }
            SchedulerConfig cfg = Configs.read(run.getValue(), SchedulerConfig.class, f.dir() + " " + run.getKey());
            double eta = c.path("step_kwargs").path(run.getKey()).path("eta").asDouble(0.0);
            for (JsonNode nNode : c.get("num_inference_steps")) {
                int n = nNode.asInt();
                Scheduler s = cls.equals("DDIMScheduler") ? new DDIMScheduler(cfg, eta) : Schedulers.create(cls, cfg);
                run(f, run.getKey() + ".n" + n, s, n, xT, cTensor, out);
            }
        }
        return out;
    }

    private static void run(Fixture f, String key, Scheduler s, int n, INDArray xT, INDArray cTensor,
            Map<String, INDArray> out) {
        s.setTimesteps(n);
        double[] ts = s.timesteps();
        String p = "out." + key + ".";
        INDArray expectedTs = f.io().contains(p + "timesteps") ? f.expected(p + "timesteps") : null;
        DataType tsType = expectedTs == null ? DataType.DOUBLE : expectedTs.dataType();
        out.put(p + "timesteps", Nd4j.createFromArray(ts).castTo(tsType));
        out.put(p + "init_noise_sigma", Nd4j.scalar(DataType.FLOAT, (float) s.initNoiseSigma()));
        if (s instanceof SigmaAccess sa) {
            out.put(p + "sigmas", Nd4j.createFromArray(sa.sigmas()));
        }
        INDArray noises = f.io().contains("in." + key + ".noise") ? f.input(key + ".noise") : null;
        INDArray x = xT.mul(s.initNoiseSigma());
        out.put(p + "x_init", x);
        List<INDArray> inputs = new ArrayList<>();
        List<INDArray> outputs = new ArrayList<>();
        List<INDArray> samples = new ArrayList<>();
        List<INDArray> x0s = new ArrayList<>();
        for (int i = 0; i < ts.length; i++) {
            double t = ts[i];
            INDArray mi = s.scaleModelInput(x, t);
            float sin = (float) Math.sin(0.01 * t);
            INDArray eps = mi.mul(0.1f).addi(cTensor.mul(sin));
            INDArray noise = noises == null ? null : noises.slice(i).reshape(x.shape()).dup();
            Scheduler.StepOutput r = s.step(eps, t, x, noise);
            inputs.add(mi);
            outputs.add(eps);
            samples.add(r.prevSample());
            if (r.predOriginalSample() != null) {
                x0s.add(r.predOriginalSample());
            }
            x = r.prevSample();
        }
        out.put(p + "model_input", Nd4j.stack(0, inputs.toArray(new INDArray[0])));
        out.put(p + "model_output", Nd4j.stack(0, outputs.toArray(new INDArray[0])));
        out.put(p + "samples", Nd4j.stack(0, samples.toArray(new INDArray[0])));
        if (x0s.size() == ts.length) {
            out.put(p + "pred_original_sample", Nd4j.stack(0, x0s.toArray(new INDArray[0])));
        }
    }

    /** The notes' tolerances: integer timesteps exact; tables relative 1e-6; trajectories relL2 1e-5, abs 1e-4·max(1,|ref|). */
    @Override
    public Tolerance tolerance(Fixture f, String output) {
        INDArray ref = f.expected(output);
        double scale = Math.max(1.0, ref.length() == 0 ? 0 : Transforms.abs(
                ref.castTo(DataType.DOUBLE)).maxNumber().doubleValue());
        if (output.endsWith(".timesteps")) {
            return ref.dataType().isFPType() ? new Tolerance(1e-4, 1e-6) : Tolerance.EXACT;
        }
        if (output.endsWith("sigmas") || output.endsWith("init_noise_sigma") || output.endsWith("betas")
                || output.endsWith("alphas_cumprod")) {
            double m = Transforms.abs(ref.castTo(DataType.DOUBLE)).maxNumber().doubleValue();
            return new Tolerance(1e-6 * m, 1e-6);
        }
        return new Tolerance(1e-4 * scale, 1e-5);
    }
}
