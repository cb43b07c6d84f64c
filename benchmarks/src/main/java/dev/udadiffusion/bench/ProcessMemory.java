package dev.udadiffusion.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process from /proc (Linux), in MB; -1 elsewhere. */
final class ProcessMemory {

    private ProcessMemory() {
    }

    static long rssMb() {
        return field("VmRSS:");
    }

    /** Peak resident memory so far. */
    static long peakMb() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(name)) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
