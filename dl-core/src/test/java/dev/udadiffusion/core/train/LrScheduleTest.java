package dev.udadiffusion.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

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
