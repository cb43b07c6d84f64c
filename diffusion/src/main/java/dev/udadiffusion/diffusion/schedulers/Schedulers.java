package dev.udadiffusion.diffusion.schedulers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.config.Configs;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Creates schedulers by diffusers class name, e.g. from a {@code scheduler/scheduler_config.json}. */
public final class Schedulers {

    /** The diffusers class names this library implements. */
    public static final List<String> NAMES = List.of("DDIMScheduler", "DDPMScheduler", "PNDMScheduler",
            "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler",
            "UniPCMultistepScheduler");

    private Schedulers() {
    }

    /** Short names accepted on the command line, e.g. "ddim", "euler-a", "dpm++", "unipc". */
    public static String resolve(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "ddim" -> "DDIMScheduler";
            case "ddpm" -> "DDPMScheduler";
            case "pndm", "plms" -> "PNDMScheduler";
            case "euler" -> "EulerDiscreteScheduler";
            case "euler-a", "euler_a", "euler-ancestral" -> "EulerAncestralDiscreteScheduler";
            case "dpm++", "dpmpp", "dpm++2m", "dpmpp_2m", "dpm-solver++" -> "DPMSolverMultistepScheduler";
            case "unipc" -> "UniPCMultistepScheduler";
            default -> name;
        };
    }

    public static Scheduler create(String className, SchedulerConfig c) {
        return switch (resolve(className)) {
            case "DDIMScheduler" -> new DDIMScheduler(c);
            case "DDPMScheduler" -> new DDPMScheduler(c);
            case "PNDMScheduler" -> new PNDMScheduler(c);
            case "EulerDiscreteScheduler" -> new EulerDiscreteScheduler(c);
            case "EulerAncestralDiscreteScheduler" -> new EulerAncestralDiscreteScheduler(c);
            case "DPMSolverMultistepScheduler" -> new DPMSolverMultistepScheduler(c);
            case "UniPCMultistepScheduler" -> new UniPCMultistepScheduler(c);
            default -> throw new IllegalArgumentException("unknown scheduler '" + className + "'; use one of ddim, ddpm, pndm, "
                    + "euler, euler-a, dpm++2m, unipc (or the diffusers class names " + NAMES + ")");
        };
    }

    /**
     * Reads a scheduler_config.json; {@code className} overrides its {@code _class_name} (as diffusers'
     * {@code OtherScheduler.from_config(config)} does), null keeps it.
     */
    public static Scheduler fromConfig(Path file, String className) {
        JsonNode n = Configs.readTree(file);
        String cls = className != null ? className : n.path("_class_name").asText("");
        if (cls.isEmpty()) {
            throw new IllegalArgumentException(file + ": no _class_name; name the scheduler explicitly");
        }
        return create(cls, Configs.read(n, SchedulerConfig.class, file.toString()));
    }
}
