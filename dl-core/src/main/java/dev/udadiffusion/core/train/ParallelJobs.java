package dev.udadiffusion.core.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Independent jobs (e.g. one small model's training and evaluation each) run side by side, each with its share of the
 * cores as native threads ({@link NativeThreads}).
 *
 * <p>Why: a toy-size training step is hundreds of small ops, so most of its time is SameDiff's per-op Java work, which
 * one job cannot spread over cores; two such jobs side by side nearly double the throughput, while large ops gain
 * little ({@code docs/RESULTS.md}). So this is for many small jobs, not for big ones.
 */
public final class ParallelJobs {

    /** A named unit of work; the name prefixes the error when it fails with a checked exception. */
    public record Job<T>(String name, Callable<T> work) {
    }

    private ParallelJobs() {
    }

    /** Jobs at once by default: one per core, at most {@code jobs}. */
    public static int defaultParallelism(int jobs) {
        return Math.max(1, Math.min(jobs, Runtime.getRuntime().availableProcessors()));
    }

    /** Native threads each of {@code parallel} side-by-side jobs gets: an equal share of the cores, at least one. */
    public static int threadsPerJob(int parallel) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / parallel);
    }

    /**
     * Runs {@code jobs}, at most {@code parallel} at a time, and returns their results in the jobs' order. With
     * {@code parallel} 1 they run one after another on the calling thread, exactly as a plain loop would. When a job
     * fails, jobs not yet started are skipped, running ones are waited for (training cannot be interrupted midway), and
     * the first failure is thrown: unchecked exceptions as they are, checked ones wrapped with the job's name.
     */
    public static <T> List<T> run(List<Job<T>> jobs, int parallel) {
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel jobs must be at least 1, got " + parallel);
        }
        if (parallel == 1 || jobs.size() <= 1) {
            List<T> results = new ArrayList<>();
            for (Job<T> j : jobs) {
                results.add(call(j));
            }
            return results;
        }
        int threads = threadsPerJob(parallel);
        AtomicInteger id = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, jobs.size()), r -> {
            Thread t = new Thread(r, "udadiff-job-" + id.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            CompletionService<T> done = new ExecutorCompletionService<>(pool);
            Map<Future<T>, Integer> index = new HashMap<>();
            for (Job<T> j : jobs) {
                index.put(done.submit(() -> {
                    try (NativeThreads limit = NativeThreads.limit(threads)) {
                        return call(j);
                    }
                }), index.size());
            }
            List<T> byIndex = new ArrayList<>(Collections.nCopies(jobs.size(), null));
            Throwable failure = null;
            for (int k = 0; k < jobs.size(); k++) {
                Future<T> f = take(done);
                try {
                    byIndex.set(index.get(f), f.get());
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                        index.keySet().forEach(x -> x.cancel(false)); // not started: skipped; running: finish
                    }
                } catch (CancellationException e) {
                    // skipped after an earlier failure
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for parallel jobs", e);
                }
            }
            if (failure != null) {
                pool.shutdown();
                awaitTermination(pool); // a cancelled job that had started may still be running
                if (failure instanceof Error err) {
                    throw err;
                }
                throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure.getMessage(), failure);
            }
            return byIndex;
        } finally {
            pool.shutdown();
        }
    }

    private static <T> Future<T> take(CompletionService<T> done) {
        try {
            return done.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for parallel jobs", e);
        }
    }

    private static <T> T call(Job<T> j) {
        try {
            return j.work().call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(j.name() + ": " + e.getMessage(), e);
        }
    }

    private static void awaitTermination(ExecutorService pool) {
        try {
            while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                // a running job is still finishing
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
