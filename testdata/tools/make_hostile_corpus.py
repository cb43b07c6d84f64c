"""The hostile-input corpus of issue #32: testdata/hostile/cases.jsonl and the small files it uses.

    python3 testdata/tools/make_hostile_corpus.py testdata/hostile

Each case is one command line with placeholders and the changes that break its input. HostileInputTest (examples)
builds fresh copies of the tiny models and a small toy world, applies the changes, runs the command in-process and
asserts: the exit code (1 for bad input, 2 for usage errors), exactly one line on stderr that contains every string of
"mentions" (the file, key or option), no stack trace, and nothing written under {OUT}.

Placeholders: {SD} a tiny diffusers Stable Diffusion folder, {CN} a tiny ControlNet folder, {SEG} a tiny SegFormer
folder, {W} a toy world (source: GTA5 layout with Cityscapes labelIds, target: Cityscapes layout with trainIds),
{MASK} a good trainId mask, {OUT} a path that does not exist yet, {FILE} an existing plain file. "may_write" names the few sub-folders of {OUT} a
case may leave (complete caches, never partial outputs).

Operations ("ops"): json-set / json-remove (a key of a JSON file), write (text), copy (a file of this corpus),
delete, truncate (to "bytes" or "fraction" of the size), st-header-length (the 8-byte header length), st-offsets
(first tensor's data offsets), st-drop / st-extra / st-reshape (a tensor, rewriting the file validly otherwise).
"""
import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np


def png(path, array, bit_depth=8):
    """A minimal PNG writer (grey or RGB, 8 or 16 bit) so the corpus needs nothing but numpy."""
    a = np.asarray(array)
    colour = 2 if a.ndim == 3 else 0
    h, w = a.shape[:2]
    dt = ">u2" if bit_depth == 16 else "u1"
    rows = b"".join(b"\x00" + a[y].astype(dt).tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, colour, 0, 0, 0)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
                           + chunk(b"IEND", b""))


def files(root):
    f = root / "files"
    f.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(32)
    train_ids = rng.integers(0, 19, size=(32, 64))
    label_ids = rng.choice([7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 26], size=(32, 64))
    png(f / "rgb_label.png", np.stack([train_ids] * 3, axis=-1))
    bad = train_ids.copy(); bad[5, 7] = 200
    png(f / "trainid_200.png", bad)
    bad = label_ids.copy(); bad[3, 9] = 200
    png(f / "labelid_200.png", bad)
    png(f / "label_16bit_1000.png", np.where(train_ids == 3, 1000, train_ids), bit_depth=16)
    png(f / "mask_64x32.png", train_ids)
    # masks for `generate` (64x64: the tiny U-Net needs latents that are multiples of 8)
    mask = rng.integers(0, 19, size=(64, 64))
    png(f / "mask_64x64.png", mask)
    png(f / "mask_rgb.png", np.stack([mask] * 3, axis=-1))
    bad = mask.copy(); bad[10, 20] = 200
    png(f / "mask_200.png", bad)
    png(f / "mask_16bit_1000.png", np.where(mask == 3, 1000, mask), bit_depth=16)
    png(f / "label_wrong_size.png", train_ids[:16, :40])
    full = bytearray((f / "mask_64x32.png").read_bytes())
    (f / "truncated.png").write_bytes(bytes(full[: len(full) // 2]))
    (f / "not_an_image.png").write_text("this is text, not a PNG\n")
    (f / "empty.png").write_bytes(b"")
    # the opening bytes of a PyTorch pickle (protocol 2), as a .bin renamed to .safetensors would start
    (f / "pickle.safetensors").write_bytes(b"\x80\x02}q\x00(X\x05\x00\x00\x00state" + bytes(200))


def cases():
    out = []

    def case(cid, command, ops, mentions, code=1):
        out.append({"id": cid, "command": command, "ops": ops, "mentions": mentions, "exit": code})

    gen = ["generate", "--model", "{SD}", "--prompt", "a road", "--steps", "1", "--height", "64", "--width", "64",
           "--out", "{OUT}"]
    gen_mask = ["generate", "--model", "{SD}", "--prompt", "a road", "--steps", "1", "--out", "{OUT}"]  # mask's size
    gen_cn = gen_mask + ["--controlnet", "{CN}", "--mask", "{MASK}"]
    configs = {
        "unet": ("unet/config.json", [
            ("norm-groups-7", {"norm_num_groups": 7}, "norm_num_groups"),
            ("layers-per-block-0", {"layers_per_block": 0}, "layers_per_block"),
            ("heads-0", {"attention_head_dim": 0}, "attention_head_dim"),
            ("channels-negative", {"block_out_channels": [-16, 32, 32, 64]}, "block_out_channels"),
            ("channels-1e9", {"block_out_channels": [1000000000, 32, 32, 64]}, "block_out_channels"),
            ("channels-4096", {"block_out_channels": [4096, 4096, 4096, 4096]}, "diffusion_pytorch_model.safetensors"),
            ("channels-wrong-type", {"block_out_channels": "wide"}, "block_out_channels"),
            ("in-channels-0", {"in_channels": 0}, "in_channels"),
            ("cross-attention-0", {"cross_attention_dim": 0}, "cross_attention_dim"),
            ("block-type-unknown", {"down_block_types": ["Bogus", "Bogus", "Bogus", "Bogus"]}, "down_block_types"),
            ("blocks-length-mismatch", {"block_out_channels": [32, 32, 64]}, "block_out_channels"),
        ]),
        "vae": ("vae/config.json", [
            ("norm-groups-7", {"norm_num_groups": 7}, "norm_num_groups"),
            ("layers-per-block-0", {"layers_per_block": 0}, "layers_per_block"),
            ("latent-channels-0", {"latent_channels": 0}, "latent_channels"),
            ("channels-negative", {"block_out_channels": [-32, 32, 64, 64]}, "block_out_channels"),
            ("channels-1e9", {"block_out_channels": [1000000000, 32, 64, 64]}, "block_out_channels"),
            ("channels-4096", {"block_out_channels": [4096, 4096, 4096, 4096]}, "diffusion_pytorch_model.safetensors"),
            ("scaling-nan", {"scaling_factor": "NaN"}, "scaling_factor"),
        ]),
        "text_encoder": ("text_encoder/config.json", [
            ("hidden-0", {"hidden_size": 0}, "hidden_size"),
            ("heads-0", {"num_attention_heads": 0}, "num_attention_heads"),
            ("heads-not-dividing", {"num_attention_heads": 5}, "num_attention_heads"),
            ("layers-0", {"num_hidden_layers": 0}, "num_hidden_layers"),
            ("vocab-negative", {"vocab_size": -1}, "vocab_size"),
            ("intermediate-1e9", {"intermediate_size": 1000000000}, "intermediate_size"),
            ("hidden-4096", {"hidden_size": 4096}, "model.safetensors"),
        ]),
        "scheduler": ("scheduler/scheduler_config.json", [
            ("prediction-type-unknown", {"prediction_type": "bogus"}, "prediction_type"),
            ("timesteps-0", {"num_train_timesteps": 0}, "num_train_timesteps"),
            ("beta-schedule-unknown", {"beta_schedule": "bogus"}, "beta_schedule"),
            ("beta-end-negative", {"beta_end": -0.5}, "beta_end"),
        ]),
    }
    for comp, (file, muts) in configs.items():
        for name, patch, key in muts:
            case(f"generate-{comp}-config-{name}", gen,
                 [{"op": "json-set", "file": "{SD}/" + file, "values": patch}], [file.split("/")[0], key])
        case(f"generate-{comp}-config-invalid-json", gen, [{"op": "write", "file": "{SD}/" + file, "text": "{\"a\": "}],
             [file, "JSON"])
        case(f"generate-{comp}-config-array", gen, [{"op": "write", "file": "{SD}/" + file, "text": "[1, 2]"}], [file])
        case(f"generate-{comp}-config-empty", gen, [{"op": "write", "file": "{SD}/" + file, "text": ""}], [file])
        if comp != "scheduler":
            case(f"generate-{comp}-config-missing", gen, [{"op": "delete", "file": "{SD}/" + file}], [comp, "config.json"])
    # diffusers' default (320, 640, 1280, 1280) applies, and the weights say otherwise
    case("generate-unet-config-no-block-out-channels", gen,
         [{"op": "json-remove", "file": "{SD}/unet/config.json", "key": "block_out_channels"}],
         ["unet", "diffusion_pytorch_model.safetensors", "config"])

    weights = {"unet": ("unet/diffusion_pytorch_model.safetensors", "conv_in.weight", "conv_in.bias"),
               "vae": ("vae/diffusion_pytorch_model.safetensors", "decoder.conv_in.weight", "decoder.conv_out.bias"),
               "text_encoder": ("text_encoder/model.safetensors", "text_model.final_layer_norm.weight",
                                "text_model.embeddings.token_embedding.weight")}
    for comp, (file, tensor, other) in weights.items():
        p = "{SD}/" + file
        name = file.split("/")[-1]
        for cid, ops, extra in (
                ("truncated-half", [{"op": "truncate", "file": p, "fraction": 0.5}], []),
                ("truncated-header", [{"op": "truncate", "file": p, "bytes": 100}], []),
                ("zero-bytes", [{"op": "truncate", "file": p, "bytes": 0}], []),
                ("seven-bytes", [{"op": "truncate", "file": p, "bytes": 7}], []),
                ("header-length-2e60", [{"op": "st-header-length", "file": p, "value": 2 ** 60}], []),
                ("header-length-past-end", [{"op": "st-header-length", "file": p, "value": 2 ** 31}], []),
                ("offsets-1e12", [{"op": "st-offsets", "file": p, "value": [10 ** 12, 10 ** 12 + 4]}], []),
                ("offsets-reversed", [{"op": "st-offsets", "file": p, "value": [64, 0]}], []),
                ("header-not-json", [{"op": "st-header-text", "file": p, "text": "{not json"}], []),
                ("pickle", [{"op": "copy", "file": p, "from": "pickle.safetensors"}], []),
                ("missing-tensor", [{"op": "st-drop", "file": p, "tensor": tensor}], [tensor]),
                ("extra-tensor", [{"op": "st-extra", "file": p, "tensor": "surprise.weight"}], ["surprise.weight"]),
                ("misshaped-tensor", [{"op": "st-reshape", "file": p, "tensor": other}], [other]),
                ("deleted", [{"op": "delete", "file": p}], [])):
            case(f"generate-{comp}-weights-{cid}", gen, ops, [comp] + ([name] if cid != "deleted" else []) + extra)

    case("generate-unet-points-at-vae", gen + ["--unet", "{SD}/vae"], [], ["vae"])
    case("generate-unet-points-at-text-file", gen + ["--unet", "{FILE}"], [], ["{FILE}"])
    case("generate-unet-does-not-exist", gen + ["--unet", "{OUT}-nope"], [], ["nope"])
    case("generate-controlnet-points-at-unet", gen_mask + ["--controlnet", "{SD}/unet", "--mask", "{MASK}"], [], ["unet"])
    case("generate-controlnet-does-not-exist", gen_mask + ["--controlnet", "{OUT}-nope", "--mask", "{MASK}"], [], ["nope"])
    case("generate-model-is-a-file", ["generate", "--model", "{FILE}", "--prompt", "x", "--out", "{OUT}"], [], ["{FILE}"])
    case("generate-out-is-a-file", ["generate", "--model", "{SD}", "--prompt", "x", "--steps", "1", "--height", "64",
                                    "--width", "64", "--out", "{FILE}"], [], ["--out", "{FILE}"], 2)
    case("generate-size-not-multiple-of-8", ["generate", "--model", "{SD}", "--prompt", "x", "--steps", "1",
                                             "--height", "60", "--width", "64", "--out", "{OUT}"], [], ["--height"], 2)
    for name, patch, key in (("conditioning-channels-3", {"conditioning_channels": 3}, "controlnet_cond_embedding.conv_in"),
                             ("norm-groups-7", {"norm_num_groups": 7}, "norm_num_groups"),
                             ("embedding-channels-negative",
                              {"conditioning_embedding_out_channels": [-16, 32, 96, 256]},
                              "conditioning_embedding_out_channels")):
        case(f"generate-controlnet-config-{name}", gen_cn,
             [{"op": "json-set", "file": "{CN}/config.json", "values": patch}], ["CN", key])
    for cid, ops, extra in (
            ("truncated", [{"op": "truncate", "file": "{CN}/diffusion_pytorch_model.safetensors", "fraction": 0.5}], []),
            ("missing-tensor", [{"op": "st-drop", "file": "{CN}/diffusion_pytorch_model.safetensors",
                                 "tensor": "controlnet_mid_block.weight"}], ["controlnet_mid_block.weight"]),
            ("misshaped-tensor", [{"op": "st-reshape", "file": "{CN}/diffusion_pytorch_model.safetensors",
                                   "tensor": "controlnet_cond_embedding.conv_in.weight"}],
             ["controlnet_cond_embedding.conv_in.weight"])):
        case(f"generate-controlnet-weights-{cid}", gen_cn, ops, ["diffusion_pytorch_model.safetensors"] + extra)
    for f, what in (("mask_rgb.png", "RGB"), ("mask_200.png", "200"), ("mask_16bit_1000.png", "1000"),
                    ("truncated.png", "truncated.png"), ("not_an_image.png", "not_an_image.png"),
                    ("empty.png", "empty.png")):
        case(f"generate-mask-{f[:-4]}", gen_mask + ["--controlnet", "{CN}", "--mask", "{CORPUS}/" + f], [], [f, what])
    case("generate-mask-does-not-exist", gen_mask + ["--controlnet", "{CN}", "--mask", "{OUT}-nope.png"], [], ["nope.png"])

    # datasets: one bad label or image in the toy world, through every command that reads labels
    src_label = "{W}/source/labels/00001.png"
    src_image = "{W}/source/images/00001.png"
    tgt_label = "{W}/target/gtFine/val/toy/toy_000000_000001_gtFine_labelTrainIds.png"
    tgt_image = "{W}/target/leftImg8bit/val/toy/toy_000000_000001_leftImg8bit.png"
    readers = {
        "data-check": (["data", "check", "{W}/source"], "source"),
        "data-stats": (["data", "stats", "{W}/source", "--chart", "{OUT}/chart.png"], "source"),
        "segformer-eval": (["segformer", "eval", "--model", "{SEG}", "--data", "{W}/target", "--size", "64x32",
                            "--out", "{OUT}"], "target"),
        "train-controlnet": (["train-controlnet", "--model", "{SD}", "--data", "{W}/source", "--layout", "gta5",
                              "--resolution", "64", "--steps", "1", "--embedding-channels", "8,16,32,64",
                              "--rcs", "0.01", "--rcs-min-pixels", "10", "--out", "{OUT}"], "source"),
        "generate-dataset": (["generate-dataset", "--source-labels", "{W}/source", "--model", "{SD}", "--controlnet",
                              "{CN}", "--count", "1", "--steps", "1", "--size", "64x64", "--rcs-min-pixels", "10",
                              "--out", "{OUT}"], "source"),
    }
    for cmd, (command, domain) in readers.items():
        label, image = (src_label, src_image) if domain == "source" else (tgt_label, tgt_image)
        bad200 = "labelid_200.png" if domain == "source" else "trainid_200.png"
        for cid, ops, mention in (
                ("label-rgb", [{"op": "copy", "file": label, "from": "rgb_label.png"}], "RGB"),
                ("label-value-200", [{"op": "copy", "file": label, "from": bad200}], "200"),
                ("label-16bit-1000", [{"op": "copy", "file": label, "from": "label_16bit_1000.png"}], "1000"),
                ("label-truncated", [{"op": "copy", "file": label, "from": "truncated.png"}], "truncated"),
                ("label-not-an-image", [{"op": "copy", "file": label, "from": "not_an_image.png"}], "image"),
                ("label-wrong-size", [{"op": "copy", "file": label, "from": "label_wrong_size.png"}], "size"),
                ("image-truncated", [{"op": "copy", "file": image, "from": "truncated.png"}], "truncated"),
                ("image-empty", [{"op": "copy", "file": image, "from": "empty.png"}], "empty")):
            target = image if cid.startswith("image") else label
            if cid == "label-wrong-size" and cmd in ("data-stats", "train-controlnet", "generate-dataset"):
                # stats and generate-dataset read labels only (masks are resized to --size); ControlNet training
                # resizes GTA5's few odd-sized labels (documented, reported in its first output line)
                continue
            if cid.startswith("image") and cmd in ("data-stats", "generate-dataset"):
                continue  # these read labels only
            if cid.startswith("image") and cmd == "train-controlnet":
                # images are decoded when drawn, not up front (25,000 GTA5 images would take minutes): break all three
                ops = [dict(ops[0], file=image.replace("00001", n)) for n in ("00000", "00001", "00002")]
                # the label statistics for RCS (complete and fingerprinted, reused by the corrected rerun) may stay
                out.append({"id": f"{cmd}-{cid}", "command": command, "ops": ops, "mentions": ["source/images/", mention],
                            "exit": 1, "may_write": [".rcs-stats"]})
                continue
            case(f"{cmd}-{cid}", command, ops, [target.split("/")[-1], mention])
        case(f"{cmd}-labels-folder-missing", command,
             [{"op": "delete", "file": "{W}/source/labels" if domain == "source" else "{W}/target/gtFine"}],
             ["labels" if domain == "source" else "gtFine"])

    seg_eval = ["segformer", "eval", "--model", "{SEG}", "--data", "{W}/target", "--size", "64x32", "--out", "{OUT}"]
    case("segformer-eval-model-is-unet", ["segformer", "eval", "--model", "{SD}/unet", "--data", "{W}/target",
                                          "--out", "{OUT}"], [], ["unet"])
    for name, patch, key in (("num-labels-0", {"num_labels": 0}, "num_labels"),
                             ("hidden-sizes-negative", {"hidden_sizes": [-16, 32, 64, 128]}, "hidden_sizes"),
                             ("heads-not-dividing", {"num_attention_heads": [3, 3, 3, 3]}, "num_attention_heads"),
                             ("depths-empty", {"depths": []}, "depths")):
        case(f"segformer-eval-config-{name}", seg_eval,
             [{"op": "json-set", "file": "{SEG}/config.json", "values": patch}], ["config.json", key])
    case("segformer-eval-weights-truncated", seg_eval,
         [{"op": "truncate", "file": "{SEG}/model.safetensors", "fraction": 0.5}], ["model.safetensors"])
    case("segformer-eval-weights-missing-tensor", seg_eval,
         [{"op": "st-drop", "file": "{SEG}/model.safetensors", "tensor": "decode_head.classifier.weight"}],
         ["decode_head.classifier.weight"])
    for size, cid in (("100000x100000", "huge"), ("0x0", "zero"), ("abc", "text"), ("-8x8", "negative")):
        case(f"generate-dataset-size-{cid}", ["generate-dataset", "--source-labels", "{W}/source", "--model", "{SD}",
                                              "--controlnet", "{CN}", "--count", "1", "--size", size, "--out", "{OUT}"],
             [], ["--size", "from 1 to 8192"], 2)
        case(f"segformer-eval-size-{cid}", seg_eval[:-4] + ["--size", size, "--out", "{OUT}"], [],
             ["--size", "from 1 to 8192"], 2)
    case("segformer-train-out-is-a-file", ["segformer", "train", "--data", "{W}/source", "--preset", "b0", "--crop",
                                           "32", "--steps", "1", "--out", "{FILE}"], [], ["--out", "{FILE}"], 2)
    case("train-controlnet-out-is-a-file", readers["train-controlnet"][0][:-1] + ["{FILE}"], [], ["--out", "{FILE}"], 2)
    case("generate-dataset-out-is-a-file", readers["generate-dataset"][0][:-1] + ["{FILE}"], [], ["--out", "{FILE}"], 2)
    case("segformer-eval-out-is-a-file", seg_eval[:-1] + ["{FILE}"], [], ["--out", "{FILE}"], 2)
    # a multiple of 8 that the tiny U-Net (3 downsamplers: latents multiples of 8, images of 64) cannot take
    gd = ["generate-dataset", "--source-labels", "{W}/source", "--model", "{SD}", "--controlnet", "{CN}", "--count", "1",
          "--steps", "1", "--rcs-min-pixels", "10", "--out", "{OUT}"]
    case("generate-dataset-size-not-for-this-unet", gd + ["--size", "72x64"], [], ["--size", "multiples of 64"], 2)
    case("generate-size-not-for-this-unet", ["generate", "--model", "{SD}", "--prompt", "x", "--steps", "1", "--height",
                                             "72", "--width", "64", "--out", "{OUT}"], [],
         ["--width/--height", "multiples of 64"], 2)
    case("generate-dataset-size-not-multiple-of-8", gd + ["--size", "60x32"], [], ["--size", "multiples of 8"], 2)
    case("segformer-train-crop-larger-than-images", ["segformer", "train", "--data", "{W}/source", "--preset", "b0",
                                                     "--crop", "1000", "--steps", "1", "--rcs-min-pixels", "10",
                                                     "--out", "{OUT}"], [], ["--crop"], 2)
    case("segformer-train-model-and-preset", ["segformer", "train", "--data", "{W}/source", "--model", "{SEG}",
                                              "--preset", "b0", "--steps", "1", "--rcs-min-pixels", "10",
                                              "--out", "{OUT}"], [], ["--preset"], 2)
    return out


if __name__ == "__main__":
    root = Path(sys.argv[1])
    files(root)
    cs = cases()
    ids = [c["id"] for c in cs]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    with open(root / "cases.jsonl", "w") as f:
        for c in cs:
            f.write(json.dumps(c) + "\n")
    print(len(cs), "cases")
