#!/bin/bash
# ND4J (JMH KernelBenchmarks) and PyTorch (torch_kernels.py) on the same kernels, same thread count; prints one table
# with the ratio ND4J / torch per kernel. Run from the repository root after `mvn -q -B install -DskipTests`.
#   benchmarks/side-by-side.sh [THREADS] [OUTDIR]
set -euo pipefail
threads=${1:-2}
out=${2:-benchmarks/results}
mkdir -p "$out"
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || { echo "missing $jar: run mvn -q -B install -DskipTests first" >&2; exit 2; }
# both sides allocate with glibc's malloc, so both get transparent huge pages unless the caller chose (dl-core HugePages)
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.hugetlb=1}"
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "PyTorch missing: apt-get install python3-torch" >&2; exit 2; }
echo "== PyTorch, $threads threads"
OMP_NUM_THREADS=$threads /usr/bin/python3 benchmarks/torch_kernels.py --threads "$threads" --out "$out/torch.json"
echo "== ND4J/SameDiff (JMH), $threads threads"
OMP_NUM_THREADS=$threads java -jar "$jar" KernelBenchmarks -rf json -rff "$out/nd4j.json" > "$out/jmh.log"
echo "== ratio ND4J / torch (\"old\" = torch, \"new\" = ND4J; ms/op)"
java -cp "$jar" dev.udadiffusion.bench.jmh.CompareResults "$out/torch.json" "$out/nd4j.json" || true
