package dev.udadiffusion.core.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class HugePagesTest {

    @Test
    void advisesOnlyWhenHugePagesAreOnRequestAndNobodyChose() {
        String madvise = "always [madvise] never\n";
        assertTrue(HugePages.advice(madvise, null).orElseThrow().contains("GLIBC_TUNABLES=glibc.malloc.hugetlb=1"));
        assertTrue(HugePages.advice(madvise, "glibc.malloc.arena_max=2").isPresent());
        // set, to any value, among other tunables: an explicit choice
        assertEquals(Optional.empty(), HugePages.advice(madvise, "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"));
        assertEquals(Optional.empty(), HugePages.advice(madvise, "glibc.malloc.hugetlb=0"));
        // THP used for everything already, or off, or no sysfs file (not Linux)
        assertEquals(Optional.empty(), HugePages.advice("[always] madvise never", null));
        assertEquals(Optional.empty(), HugePages.advice("always madvise [never]", null));
        assertEquals(Optional.empty(), HugePages.advice(null, null));
    }
}
