package dev.udadiffusion.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SampleRangeTest {

    @Test
    void rangesAreWholeBatchGroupsCoveringEverySampleOnce() {
        // 10 samples in groups of 2 = 5 groups over 3 partitions: 1, 2 and 2 groups
        assertEquals(List.of(new SampleRange(0, 0, 2), new SampleRange(1, 2, 6), new SampleRange(2, 6, 10)),
                SampleRange.split(10, 2, 3));
        // the last group is short; more partitions than groups: one group each
        assertEquals(List.of(new SampleRange(0, 0, 4), new SampleRange(1, 4, 7)), SampleRange.split(7, 4, 10));
        for (int count : new int[] {1, 9, 100, 1001}) {
            for (int batch : new int[] {1, 3, 8}) {
                for (int parts : new int[] {1, 2, 7, 64}) {
                    List<SampleRange> r = SampleRange.split(count, batch, parts);
                    int next = 0;
                    for (SampleRange s : r) {
                        assertEquals(next, s.from());
                        assertTrue(s.from() % batch == 0 && (s.to() % batch == 0 || s.to() == count) && s.to() > s.from());
                        next = s.to();
                    }
                    assertEquals(count, next);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> SampleRange.split(0, 1, 1));
    }
}
