#!/bin/bash
# Measures the toy world's domain gap (issue: source-only should reach 40–65 % of the oracle's mIoU on target val):
# the toy SegFormer (0.4 M parameters) trained 800 steps on (a) source, (b) source with photometric augmentation,
# (c) target train (oracle), each evaluated on target val at 128×64. About 4 minutes per run on 2 cores.
#   examples/scripts/toyworld_gap.sh [OUT] [SEED]
set -euo pipefail
out=${1:-runs/toygap}
seed=${2:-0}
u=./udadiff
$u toyworld --out "$out/world" --seed "$seed"
train() {
  name=$1; data=$2; shift 2
  $u segformer train --data "$data" --preset toy --out "$out/$name" --crop 64 --batch 8 --steps 800 --lr 6e-4 \
     --warmup 50 --resize none --rcs-temperature 0 --checkpoint-every 0 --log-every 100 --seed "$seed" "$@"
  $u segformer eval --model "$out/$name/segformer" --data "$out/world/target" --split val --size native \
     --out "$out/$name/eval" | tail -3
}
train source "$out/world/source"
train source-aug "$out/world/source" --jitter 0.3 --blur-noise
train oracle "$out/world/target"
for n in source source-aug oracle; do
  printf '%-10s mIoU %s\n' "$n" "$(tail -1 "$out/$n/eval/iou.csv" | cut -d, -f2)"
done
