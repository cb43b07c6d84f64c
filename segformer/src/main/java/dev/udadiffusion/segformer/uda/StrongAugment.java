package dev.udadiffusion.segformer.uda;

/** Sizes of DACS's strong augmentation after mixing (DAFormer's {@code gaussian_blur}). */
public final class StrongAugment {

    private StrongAugment() {
    }

    /** The Gaussian blur's kernel side for an image side: about a tenth of it, odd (floor(ceil(0.1s) − 0.5 + ceil(0.1s) mod 2)). */
    public static int blurKernelSize(int side) {
        double c = Math.ceil(0.1 * side);
        return (int) Math.floor(c - 0.5 + c % 2);
    }
}
