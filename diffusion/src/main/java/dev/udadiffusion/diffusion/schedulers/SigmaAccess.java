package dev.udadiffusion.diffusion.schedulers;

/** Schedulers that expose their σ table (n + 1 float32 entries, the last one being the final σ). */
public interface SigmaAccess {
    float[] sigmas();
}
