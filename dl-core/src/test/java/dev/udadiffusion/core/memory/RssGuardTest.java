package dev.udadiffusion.core.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/** The guard's policy is driven reading by reading ({@code tick}), so nothing here depends on timing. */
class RssGuardTest {

    @Test
    void collectsWhileAboveTheLimitBacksOffAndStopsBelowIt() {
        AtomicLong rss = new AtomicLong(3000);
        AtomicInteger gcs = new AtomicInteger();
        RssGuard g = RssGuard.manual(2000, 5, rss::get, gcs::incrementAndGet);
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waits.add(g.tick());
        }
        // 100 ms to let the deallocators work, doubling while collections do not help, at most 5 s
        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L), waits);
        assertEquals(8, gcs.get());
        assertEquals(8, g.collections());
        rss.set(1000); // back under the limit: no more requests, readings at the period again
        assertEquals(5, g.tick());
        assertEquals(5, g.tick());
        assertEquals(8, gcs.get());
        rss.set(3000); // over again: the back-off starts from the beginning
        assertEquals(100, g.tick());
        assertEquals(9, gcs.get());
    }

    @Test
    void staysQuietUnderTheLimit() {
        AtomicInteger gcs = new AtomicInteger();
        RssGuard g = RssGuard.manual(2000, 50, () -> 2000, gcs::incrementAndGet);
        for (int i = 0; i < 5; i++) {
            assertEquals(50, g.tick());
        }
        assertEquals(0, gcs.get());
        assertEquals(0, g.collections());
    }

    @Test
    void theRealGuardReadsTheResidentMemoryAsksTheJvmToCollectAndStopsWhenClosed() throws Exception {
        long rss = Pointer.physicalBytes();
        assertTrue(rss > 1 << 20 && rss < 1L << 50, rss + " bytes");
        long gcBefore = gcCount();
        RssGuard g = RssGuard.start(1, 5); // any live process is above one byte
        g.close();
        assertTrue(g.awaitStopped(10_000), "the watcher thread did not stop");
        long n = g.collections();
        assertTrue(n <= 1, n + " collections"); // at most the one reading before close() took effect
        assertTrue(n == 0 || gcCount() > gcBefore, "the guard asked for a collection but the JVM ran none");
        RssGuard.manual(1, 5, Pointer::physicalBytes, System::gc).tick();
        assertTrue(gcCount() > gcBefore, "System.gc() ran no collection");
    }

    @Test
    void parsesMemorySizes() {
        assertEquals(20L << 30, RssGuard.parseBytes("20G", "x"));
        assertEquals(512L << 20, RssGuard.parseBytes(" 512m ", "x"));
        assertEquals(3L << 39, RssGuard.parseBytes("1.5t", "x"));
        assertEquals(4096, RssGuard.parseBytes("4096", "x"));
        assertEquals(2048, RssGuard.parseBytes("2k", "x"));
        for (String bad : new String[] {"", "G", "-1G", "0", "twenty", "1e30G"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RssGuard.parseBytes(bad, "udadiff.maxRss"));
            assertTrue(e.getMessage().startsWith("udadiff.maxRss: '" + bad + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> RssGuard.start(0, 5));
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount)
                .sum();
    }
}
