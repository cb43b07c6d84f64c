#!/usr/bin/python3
"""The KernelBenchmarks kernels timed with PyTorch on the CPU, for the side-by-side table (benchmarks/README.md).

Same shapes and thread count as the JMH suite; results are written in JMH's JSON layout (benchmark, params.kernel,
primaryMetric.score in ms/op), so CompareResults can print the ratio ND4J / torch per kernel:

    /usr/bin/python3 benchmarks/torch_kernels.py --threads 2 --out torch.json
    java -cp benchmarks/target/benchmarks.jar dev.udadiffusion.bench.jmh.CompareResults torch.json kernels.json

Needs Debian's python3-torch (apt-get install python3-torch) under the system interpreter.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F


def kernels():
    """name -> (setup() returning a zero-argument callable)."""
    def conv(c, hw):
        def setup():
            x = torch.rand(2, c, hw, hw)
            m = torch.nn.Conv2d(c, c, 3, padding=1)
            return lambda: m(x)
        return setup

    def self_attention():
        x = torch.rand(2, 4096, 320)

        def run():
            q = x.view(2, 4096, 8, 40).transpose(1, 2)
            s = torch.matmul(q, q.transpose(-1, -2)) * (1 / math.sqrt(40))
            o = torch.matmul(s.softmax(-1), q)
            return o.transpose(1, 2).reshape(2, 4096, 320)
        return run

    def cross_attention():
        x = torch.rand(2, 4096, 320)
        ctx = torch.rand(2, 77, 768)
        to_q = torch.nn.Linear(320, 320, bias=False)
        to_k = torch.nn.Linear(768, 320, bias=False)
        to_v = torch.nn.Linear(768, 320, bias=False)
        to_out = torch.nn.Linear(320, 320)

        def run():
            q = to_q(x).view(2, 4096, 8, 40).transpose(1, 2)
            k = to_k(ctx).view(2, 77, 8, 40).transpose(1, 2)
            v = to_v(ctx).view(2, 77, 8, 40).transpose(1, 2)
            s = torch.matmul(q, k.transpose(-1, -2)) * (1 / math.sqrt(40))
            o = torch.matmul(s.softmax(-1), v).transpose(1, 2).reshape(2, 4096, 320)
            return to_out(o)
        return run

    def groupnorm_silu():
        x = torch.rand(2, 320, 64, 64)
        gn = torch.nn.GroupNorm(32, 320, eps=1e-5)
        return lambda: F.silu(gn(x))

    def softmax():
        x = torch.rand(1, 8, 4096, 4096)
        return lambda: x.softmax(-1)

    def geglu():
        x = torch.rand(2, 4096, 320)
        proj = torch.nn.Linear(320, 2560)
        out = torch.nn.Linear(1280, 320)

        def run():
            h, gate = proj(x).chunk(2, dim=-1)
            return out(h * F.gelu(gate))
        return run

    def bilinear():
        x = torch.rand(2, 19, 128, 128)
        return lambda: F.interpolate(x, size=(512, 512), mode="bilinear", align_corners=False)

    return {
        "conv3x3_320_64x64": conv(320, 64),
        "conv3x3_1280_8x8": conv(1280, 8),
        "self_attention_4096x8x40": self_attention,
        "cross_attention_4096_to_77": cross_attention,
        "groupnorm_silu_320_64x64": groupnorm_silu,
        "softmax_8x4096x4096": softmax,
        "geglu_ff_4096x320": geglu,
        "bilinear_128_to_512": bilinear,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2, help="warm-up calls (JMH suite: 2 iterations)")
    ap.add_argument("--iterations", type=int, default=5, help="measured calls (JMH suite: 5 iterations)")
    ap.add_argument("--only", help="comma-separated kernel names")
    ap.add_argument("--out", default="torch.json")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    results = []
    with torch.no_grad():
        for name, setup in kernels().items():
            if a.only and name not in a.only.split(","):
                continue
            run = setup()
            for _ in range(a.warmup):
                run()
            times = []
            for _ in range(a.iterations):
                t = time.perf_counter()
                y = run()
                times.append((time.perf_counter() - t) * 1e3)
                del y
            score = statistics.mean(times)
            err = statistics.stdev(times) if len(times) > 1 else 0.0
            print(f"{name:32s} {score:10.3f} ms/op  (± {err:.3f}, {a.threads} threads, torch {torch.__version__})", flush=True)
            results.append({
                "benchmark": "dev.udadiffusion.bench.jmh.KernelBenchmarks.run",
                "mode": "avgt",
                "threads": 1,
                "params": {"kernel": name},
                "primaryMetric": {"score": score, "scoreError": err, "scoreUnit": "ms/op", "rawData": [times]},
                "torch": {"version": torch.__version__, "num_threads": a.threads},
            })
    with open(a.out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
