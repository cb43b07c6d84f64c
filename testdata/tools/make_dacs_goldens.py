"""Golden values for DACS self-training (issue #33) from DAFormer's own functions, run under PyTorch.

    python3 testdata/tools/make_dacs_goldens.py DAFORMER_CHECKOUT testdata/daformer

DAFORMER_CHECKOUT is a checkout of lhoyer/DAFormer (not part of this repository; nothing of it is committed). Its
`mmseg/models/utils/dacs_transforms.py` and `mmseg/utils/utils.py` are imported as they are; kornia, which they import
only for colour jitter and blur, is replaced by a stand-in that records the blur kernel size. Writes
`dacs_goldens.safetensors` (tensors) and `dacs_goldens.json` (sizes and choices).
"""
import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from st import save  # noqa: E402

recorded = {}


kornia = types.ModuleType("kornia")
kornia.filters = types.SimpleNamespace(GaussianBlur2d=lambda kernel_size, sigma: _BlurModule(kernel_size, sigma))
kornia.augmentation = types.SimpleNamespace()
sys.modules["kornia"] = kornia


class _BlurModule(torch.nn.Module):
    def __init__(self, kernel_size, sigma):
        super().__init__()
        recorded["kernel_size"] = list(kernel_size)
        recorded["sigma"] = list(sigma)

    def forward(self, x):
        return x


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def main(checkout, out):
    dacs = load(Path(checkout) / "mmseg/models/utils/dacs_transforms.py", "dacs_transforms")
    utils = load(Path(checkout) / "mmseg/utils/utils.py", "mmseg_utils")
    g = torch.Generator().manual_seed(33)
    tensors, info = {}, {}

    # get_class_masks on a batch of two labels: the candidate classes are the batch's (sorted, 255 included) and half
    # of them (rounded up) are chosen per sample. np.random.choice is replaced by a recorder that returns the last k
    # indices, so the masks follow from the reference's own code for a choice the Java test can repeat.
    labels = torch.randint(0, 6, (2, 1, 12, 16), generator=g)
    labels[0, 0, :2, :] = 255
    labels[1, 0, 5, 5] = 9
    choices = []

    def choice(n, k, replace):
        assert replace is False
        picked = np.arange(n - k, n)[::-1].copy()
        choices.append({"n": int(n), "k": int(k), "picked": picked.tolist()})
        return picked

    np_choice = np.random.choice
    np.random.choice = choice
    masks = dacs.get_class_masks(labels)
    np.random.choice = np_choice
    tensors["class_masks.labels"] = labels.to(torch.int64)
    tensors["class_masks.masks"] = torch.cat(masks).to(torch.int64)
    info["class_masks.choices"] = choices

    # one_mix for image, label and weight, as dacs.py calls it per sample
    mask = masks[0]
    img = torch.rand((2, 3, 12, 16), generator=g)
    tgt = torch.stack((labels[0, 0], torch.randint(0, 19, (12, 16), generator=g)))
    weight = torch.stack((torch.ones(12, 16), torch.full((12, 16), 0.375)))
    mixed_img, mixed_lbl = dacs.one_mix(mask, data=img, target=tgt)
    _, mixed_w = dacs.one_mix(mask, target=weight)
    tensors.update({"one_mix.mask": mask.to(torch.int64), "one_mix.data": img, "one_mix.target": tgt.to(torch.int64),
                    "one_mix.weight": weight, "one_mix.mixed_data": mixed_img,
                    "one_mix.mixed_target": mixed_lbl.to(torch.int64), "one_mix.mixed_weight": mixed_w})

    # the blur kernel size for several crop sizes (gaussian_blur with blur > 0.5 always blurs)
    sizes = []
    for h, w in ((512, 512), (64, 128), (32, 64), (1024, 512), (17, 23)):
        dacs.gaussian_blur(blur=1.0, data=torch.zeros(1, 3, h, w))
        sizes.append({"height": h, "width": w, "kernel": recorded["kernel_size"]})
    info["blur_kernel_sizes"] = sizes

    # downscale_label_ratio as the feature distance uses it (scale 4, min ratio 0.75, 19 classes, ignore 255)
    gt = torch.randint(0, 4, (2, 1, 16, 24), generator=g)
    gt[0, 0, 0:4, 0:4] = 255
    gt[1, 0, 4:8, 0:3] = 7
    small = utils.downscale_label_ratio(gt, 4, 0.75, 19, 255)
    tensors["downscale.gt"] = gt.to(torch.int64)
    tensors["downscale.out"] = small.to(torch.int64)
    info["downscale"] = {"scale_factor": 4, "min_ratio": 0.75, "n_classes": 19}
    save(tensors, Path(out) / "dacs_goldens.safetensors")
    (Path(out) / "dacs_goldens.json").write_text(json.dumps(info, indent=1) + "\n")
    print("wrote", sorted(tensors), info)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
