package dev.udadiffusion.core.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RssGuardTest {

    @Test
    void collectsWhileAboveTheLimitAndStopsBelowIt() throws Exception {
        AtomicLong rss = new AtomicLong(3000);
        long gcBefore = gcCount();
        try (RssGuard g = RssGuard.start(2000, 5, rss::get)) {
            waitFor(() -> g.collections() >= 2);
            assertTrue(gcCount() > gcBefore, "the guard asked for a collection but the JVM ran none");
            rss.set(1000); // back under the limit: no more requests
            Thread.sleep(300);
            long settled = g.collections();
            Thread.sleep(300);
            assertEquals(settled, g.collections());
        }
    }

    @Test
    void backsOffWhileCollectionsDoNotHelp() throws Exception {
        // waits of 100, 200, 400, 800 ms: at most 5 collections in 1.5 s (15 without the back-off)
        try (RssGuard g = RssGuard.start(2000, 5, () -> 3000)) {
            Thread.sleep(1500);
            long n = g.collections();
            assertTrue(n >= 1 && n <= 5, n + " collections");
        }
    }

    @Test
    void staysQuietUnderTheLimitAndStopsWhenClosed() throws Exception {
        AtomicLong rss = new AtomicLong(1000);
        RssGuard g = RssGuard.start(2000, 5, rss::get);
        Thread.sleep(200);
        assertEquals(0, g.collections());
        g.close();
        Thread.sleep(50);
        rss.set(5000);
        Thread.sleep(200);
        assertEquals(0, g.collections());
    }

    @Test
    void readsTheRealResidentMemory() throws Exception {
        try (RssGuard g = RssGuard.start(1, 5)) { // any live process is above one byte
            waitFor(() -> g.collections() >= 1);
        }
        try (RssGuard g = RssGuard.start(1L << 50, 5)) { // and below a petabyte
            Thread.sleep(200);
            assertEquals(0, g.collections());
        }
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

    private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out");
            Thread.sleep(5);
        }
    }
}
