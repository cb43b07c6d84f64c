package dev.udadiffusion.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphCacheTest {

    private record Size(long h, long w) {
    }

    @Test
    void buildsOncePerKeyAndRebuildsAfterTheQueryChunkChanges() {
        List<String> built = new ArrayList<>();
        GraphCache<Size, String>[] self = new GraphCache[1];
        self[0] = new GraphCache<>(k -> {
            String g = k.h() + "x" + k.w() + "@" + self[0].queryChunk();
            built.add(g);
            return g;
        });
        GraphCache<Size, String> c = self[0];
        String a = c.get(new Size(8, 8));
        assertSame(a, c.get(new Size(8, 8)));
        c.get(new Size(8, 16));
        assertEquals(List.of("8x8@" + Attention.DEFAULT_QUERY_CHUNK, "8x16@" + Attention.DEFAULT_QUERY_CHUNK), built);
        c.setQueryChunk(64);
        assertEquals(0, c.size());
        assertEquals("8x8@64", c.get(new Size(8, 8)));
        assertThrows(IllegalArgumentException.class, () -> c.setQueryChunk(0));
        assertEquals(64, c.queryChunk());
        assertEquals(1, c.size());
    }
}
