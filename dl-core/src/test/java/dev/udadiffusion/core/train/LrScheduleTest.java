package dev.udadiffusion.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    /**
     * DAFormer's schedule (AdamW 6e-5, linear warmup of 1,500 iterations from ratio 1e-6, poly power 1 to 0 over 40k):
     * the learning rates mmcv gives the backbone group at iterations 0, 750, 1500 and 20000, as issue #33 quotes them
     * from the reference run.
     */
    @Test
    void daformerScheduleAtReferenceIterations() {
        LrSchedule s = LrSchedule.mmcvPoly(1500, 40000, 1.0, 1e-6);
        double[][] want = {{0, 6e-11}, {750, 2.94375e-5}, {1500, 5.775e-5}, {20000, 3e-5}};
        for (double[] w : want) {
            double lr = 6e-5 * s.factor((long) w[0]);
            assertEquals(w[1], lr, 1e-5 * w[1], "iteration " + (long) w[0]); // the values are given to 5–6 digits
        }
    }

    @Test
    void mmcvPolyWithLinearWarmupByHand() {
        LrSchedule s = LrSchedule.mmcvPoly(10, 100, 1.0, 1e-6);
        assertEquals(1e-6, s.factor(0), 1e-15); // poly 1 × warmup ratio
        assertEquals(0.95 * (0.5 + 0.5e-6), s.factor(5), 1e-15); // poly (1 − 5/100) × (1 − 0.5·(1 − 1e-6))
        assertEquals(0.9, s.factor(10), 1e-15); // warmup over: the poly value of the whole run, not restarted
        assertEquals(0.5, s.factor(50), 1e-15);
        assertEquals(0.0, s.factor(100), 0);
        assertEquals(0.25, LrSchedule.mmcvPoly(0, 100, 2.0, 1e-6).factor(50), 1e-15);
    }

    @Test
    void diffusersSchedulesByHand() {
        assertEquals(0.5, LrSchedule.constantWithWarmup(4).factor(2), 0);
        assertEquals(1.0, LrSchedule.constantWithWarmup(4).factor(7), 0);
        assertEquals(0.25, LrSchedule.linear(4, 12).factor(10), 1e-15); // (12 − 10) / (12 − 4)
        assertEquals(0.5, LrSchedule.polynomial(0, 10, 0, 1.0).factor(5), 1e-15);
    }
}
