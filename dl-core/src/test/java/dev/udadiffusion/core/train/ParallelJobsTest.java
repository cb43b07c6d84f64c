package dev.udadiffusion.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ParallelJobsTest {

    /** Two jobs that each wait for the other: only completes if they really run at the same time. */
    @Test
    void jobsRunSideBySideWithTheirShareOfThreadsAndResultsInOrder() {
        int before = NativeThreads.current();
        CountDownLatch both = new CountDownLatch(2);
        ParallelJobs.Job<Integer> meet = new ParallelJobs.Job<>("meet", () -> {
            both.countDown();
            assertTrue(both.await(30, TimeUnit.SECONDS), "the other job never ran alongside");
            return NativeThreads.current();
        });
        List<ParallelJobs.Job<Integer>> jobs = List.of(meet, meet, new ParallelJobs.Job<>("three", () -> 3));
        List<Integer> r = ParallelJobs.run(jobs, 2);
        int share = ParallelJobs.threadsPerJob(2);
        assertEquals(List.of(Math.min(share, before), Math.min(share, before), 3), r);
        assertEquals(before, NativeThreads.current(), "the limits are gone afterwards");
    }

    @Test
    void oneAtATimeRunsOnTheCallingThreadWithoutALimit() {
        Thread caller = Thread.currentThread();
        int before = NativeThreads.current();
        List<String> r = ParallelJobs.run(List.of(new ParallelJobs.Job<>("a", () -> {
            assertSame(caller, Thread.currentThread());
            return "a" + NativeThreads.current();
        }), new ParallelJobs.Job<>("b", () -> "b")), 1);
        assertEquals(List.of("a" + before, "b"), r);
        assertThrows(IllegalArgumentException.class, () -> ParallelJobs.run(List.of(), 0));
    }

    /** The first failure is thrown as it is, after the job still running has finished; checked ones name the job. */
    @Test
    void aFailureWaitsForRunningJobsAndNamesCheckedOnes() {
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch failed = new CountDownLatch(1);
        AtomicBoolean slowFinished = new AtomicBoolean();
        IllegalStateException boom = new IllegalStateException("boom");
        Thread caller = Thread.currentThread();
        AtomicReference<Thread> failing = new AtomicReference<>();
        List<ParallelJobs.Job<String>> jobs = List.of(new ParallelJobs.Job<>("slow", () -> {
            slowStarted.countDown();
            failed.await(30, TimeUnit.SECONDS);
            // finish only once the failure has reached the caller and the caller blocks in run() again (no sleep): a
            // run() that returned at the failure would find this job unfinished
            long end = System.nanoTime() + 30_000_000_000L;
            while (!(idle(failing.get()) && blockedInRun(caller)) && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            slowFinished.set(true);
            return "slow";
        }), new ParallelJobs.Job<>("fails", () -> {
            failing.set(Thread.currentThread());
            // fail only once "slow" runs: a job not yet started when one fails is skipped, not waited for
            assertTrue(slowStarted.await(30, TimeUnit.SECONDS), "the slow job never started");
            failed.countDown();
            throw boom;
        }));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ParallelJobs.run(jobs, 2));
        assertSame(boom, e);
        assertTrue(slowFinished.get(), "returned while a job was still running");

        IllegalStateException checked = assertThrows(IllegalStateException.class, () -> ParallelJobs.run(List.of(
                new ParallelJobs.Job<>("ok", () -> "ok"), new ParallelJobs.Job<String>("read masks", () -> {
                    throw new IOException("masks/001.png: truncated");
                })), 2));
        assertEquals("read masks: masks/001.png: truncated", checked.getMessage());
    }

    /** The pool thread has returned from its job (its exception is delivered) and waits for work. */
    private static boolean idle(Thread t) {
        return t != null && t.getState() != Thread.State.RUNNABLE
                && Arrays.stream(t.getStackTrace()).noneMatch(f -> f.getClassName().startsWith(ParallelJobsTest.class.getName()));
    }

    private static boolean blockedInRun(Thread t) {
        return t.getState() != Thread.State.RUNNABLE && Arrays.stream(t.getStackTrace())
                .anyMatch(f -> f.getClassName().equals(ParallelJobs.class.getName()) && f.getMethodName().equals("run"));
    }
}
