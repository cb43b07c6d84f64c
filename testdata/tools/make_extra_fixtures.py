"""Reference fixtures that the shared set lacks: diffusers' tiled VAE encode/decode and non-square U-Net inputs.

Run with PyTorch and diffusers importable (this machine: Debian's python3-torch 1.13 with diffusers v0.21.4 and
huggingface_hub v0.17.3 from their git tags on PYTHONPATH; the tiled code is the same in diffusers 0.35.2):

    python3 testdata/tools/make_extra_fixtures.py testdata/reference

Weights are the shared tiny fixtures' (vae_tiny, unet_tiny); only inputs and outputs are written here.
"""
import hashlib
import inspect
import json
import sys
from pathlib import Path

import numpy as np
import torch
import diffusers
from diffusers import AutoencoderKL, UNet2DConditionModel

sys.path.insert(0, str(Path(__file__).parent))
from st import load, save  # noqa: E402

def rel_l2(a, b):
    return float((a.double() - b.double()).norm() / b.double().norm())


def max_abs(a, b):
    return float((a.double() - b.double()).abs().max())


def reference_block(cls, extra):
    import huggingface_hub
    block = {"python": sys.version.split()[0], "torch": torch.__version__ + " (Debian python3-torch)",
             "numpy": np.__version__, "diffusers": diffusers.__version__ + " (git tag v" + diffusers.__version__ + ")",
             "huggingface_hub": huggingface_hub.__version__ + " (git tag v" + huggingface_hub.__version__ + ")",
             "device": "cpu", "dtype": "float32", "generator": "testdata/tools/make_extra_fixtures.py", "class": cls}
    block.update(extra)
    return block


def accepted(cls, cfg):
    """The config keys this diffusers version's constructor takes (newer configs carry keys older versions lack)."""
    params = inspect.signature(cls.__init__).parameters
    dropped = sorted(k for k in cfg if k not in params)
    return {k: v for k, v in cfg.items() if k in params}, dropped


def write_fixture(root, name, base, cls, extra, weights, io, notes):
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    cfg = json.loads((root / base / "config.json").read_text())
    cfg["reference"] = reference_block(cls, extra)
    cfg["weights"] = weights
    (d / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    save(io, d / "io.safetensors")
    (d / "notes.md").write_text(notes)


def vae_tiling(root):
    cfg, dropped = accepted(AutoencoderKL, json.loads((root / "vae_tiny/config.json").read_text()))
    print("vae: config keys this diffusers version does not take:", dropped)
    vae = AutoencoderKL(**cfg)
    vae.load_state_dict(load(root / "vae_tiny/weights.safetensors"))
    vae.eval().enable_tiling()
    g = torch.Generator().manual_seed(3030)
    # sample_size 128: image tiles 128 px (stride 96, blend 4 latents), latent tiles 16 (stride 12, blend 32 px).
    # case0 leaves a thin last row of tiles (200 = 96 + 96 + 8 px; 26 = 12 + 12 + 2 latents), case1 is wide.
    cases = {"case0.": ((1, 3, 200, 168), (1, 4, 26, 20)), "case1.": ((2, 3, 120, 264), (2, 4, 14, 35))}
    io, errs = {}, []
    for p, (ishape, zshape) in cases.items():
        image = torch.rand(ishape, generator=g) * 2 - 1
        z = torch.randn(zshape, generator=g)
        io["in." + p + "image"] = image
        io["in." + p + "z"] = z
        outs = {}
        with torch.no_grad():
            post = vae.encode(image).latent_dist
            eps = torch.randn(post.mean.shape, generator=g)
            io["in." + p + "eps"] = eps
            outs["moments"] = post.parameters
            outs["latent_mean"] = post.mean
            outs["latent_logvar"] = post.logvar
            outs["latent_std"] = post.std
            outs["latent_sample"] = post.mean + post.std * eps
            outs["decoded"] = vae.decode(z).sample
            outs["reconstruction"] = vae.decode(post.mean).sample
            vd = AutoencoderKL(**cfg).double()
            vd.load_state_dict({k: v.double() for k, v in vae.state_dict().items()})
            vd.eval().enable_tiling()
            d_post = vd.encode(image.double()).latent_dist
            d_dec = vd.decode(z.double()).sample
            untiled = AutoencoderKL(**cfg)
            untiled.load_state_dict(vae.state_dict())
            plain = untiled.eval().decode(z).sample
        for k, v in outs.items():
            io["out." + p + k] = v.float().contiguous()
        errs.append(f"{p[:-1]}: mean max|d|={max_abs(post.mean, d_post.mean):.2e} relL2={rel_l2(post.mean, d_post.mean):.2e}; "
                    f"decoded max|d|={max_abs(outs['decoded'], d_dec):.2e} relL2={rel_l2(outs['decoded'], d_dec):.2e}; "
                    f"tiled vs untiled decode max|d|={max_abs(outs['decoded'], plain):.2e}")
    shapes = "; ".join(f"{p[:-1]}: image {list(s[0])}, z {list(s[1])}" for p, s in cases.items())
    notes = f"""# vae_tiling_tiny
diffusers `AutoencoderKL` with vae_tiny's config and weights, `vae.enable_tiling()` (tile_sample_min_size = sample_size
128, tile_latent_min_size 16, tile_overlap_factor 0.25), so `encode`/`decode` go through `tiled_encode`/`tiled_decode`
whenever an input exceeds one tile. Inputs torch.Generator().manual_seed(3030): image U(-1, 1), z and eps N(0, 1).
Cases ({shapes}): out.P.moments = the concatenated, blended quant_conv tiles; latent_mean/logvar (clamped)/std of that
posterior; latent_sample = mean + std * in.P.eps; decoded = vae.decode(in.P.z).sample; reconstruction =
vae.decode(mean).sample (also tiled). case0's last tile row is thin (8 px of image, 2 latents), which exercises the
min(a, b, blend_extent) clamps of blend_v/blend_h.
float32 vs float64 and tiled vs untiled: {" | ".join(errs)}.
Config keys this diffusers version does not take, all at the values that are its fixed behaviour: {", ".join(k for k in dropped if not k.startswith("_") and k != "reference")}.
The tiled path is identical in diffusers 0.21.4 and 0.35.2 (tiled_encode/_tiled_encode, tiled_decode, blend_v, blend_h).
Suggested tolerance: max abs error 1e-04, relative L2 error 1e-04 (per output tensor).
"""
    write_fixture(root, "vae_tiling_tiny", "vae_tiny", "diffusers.AutoencoderKL",
                  {"enable_tiling": True}, {"vae": "../vae_tiny/weights.safetensors"}, io, notes)


def unet_sizes(root):
    base = json.loads((root / "unet_tiny/config.json").read_text())
    cfg, dropped = accepted(UNet2DConditionModel, base)
    print("unet: config keys this diffusers version does not take:", dropped)
    state = load(root / "unet_tiny/weights.safetensors")
    for name, (h, w), seed, what in (("unet_nonsquare_tiny", (16, 24), 3031, "non-square latents (16 x 24)"),):
        unet = UNet2DConditionModel(**cfg)
        unet.load_state_dict(state)
        unet.eval()
        g = torch.Generator().manual_seed(seed)
        sample = torch.randn((2, 4, h, w), generator=g)
        t = torch.tensor([981, 1], dtype=torch.int64)
        ctx = torch.randn((2, 77, cfg["cross_attention_dim"]), generator=g)
        with torch.no_grad():
            out = unet(sample, t, ctx).sample
            ud = UNet2DConditionModel(**cfg).double()
            ud.load_state_dict({k: v.double() for k, v in state.items()})
            ref64 = ud.eval()(sample.double(), t, ctx.double()).sample
        io = {"in.sample": sample, "in.timesteps": t, "in.encoder_hidden_states": ctx, "out.noise_pred": out}
        notes = f"""# {name}
diffusers `UNet2DConditionModel` with unet_tiny's config and weights on {what}.
out.noise_pred = unet(in.sample, in.timesteps, in.encoder_hidden_states).sample, in.sample [2, 4, {h}, {w}],
timesteps int64 [981, 1], inputs from torch.Generator().manual_seed({seed}) N(0, 1).
float32 vs float64: noise_pred max|d|={max_abs(out, ref64):.2e}, relL2={rel_l2(out, ref64):.2e}.
Suggested tolerance: max abs error 1e-04, relative L2 error 1e-04.
"""
        write_fixture(root, name, "unet_tiny", "diffusers.UNet2DConditionModel", {},
                      {"unet": "../unet_tiny/weights.safetensors"}, io, notes)


def manifest(root, names):
    """extra_manifest.json in the shared manifests' format, so the fixture test checks every file's SHA-256."""
    fixtures = {}
    for name in names:
        fixtures[name] = {f.name: {"bytes": f.stat().st_size, "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
                          for f in sorted((root / name).iterdir())}
    m = {"reference": reference_block(None, {}), "fixtures": fixtures}
    del m["reference"]["class"]
    (root / "extra_manifest.json").write_text(json.dumps(m, indent=1) + "\n")


if __name__ == "__main__":
    torch.set_num_threads(2)
    out = Path(sys.argv[1])
    vae_tiling(out)
    unet_sizes(out)
    manifest(out, ["vae_tiling_tiny", "unet_nonsquare_tiny"])
