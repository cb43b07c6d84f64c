"""One full DACS self-training iteration of the tiny SegFormer, computed by the reference libraries (issue #33).

    python3 testdata/tools/make_dacs_iteration.py DAFORMER_CHECKOUT KORNIA_0_5_8_SRC TRANSFORMERS_SRC testdata/daformer

DAFORMER_CHECKOUT: lhoyer/DAFormer (its mmseg/models/utils/dacs_transforms.py is imported as it is); KORNIA_0_5_8_SRC: a
folder holding kornia 0.5.8's `kornia` package (the version DAFormer pins); TRANSFORMERS_SRC: a folder holding a
transformers package whose SegformerForSemanticSegmentation runs with the installed torch (4.27 runs under torch
1.13). Nothing of them is committed. The model is testdata/reference/segformer_tiny with DropPath and dropout off.

The iteration follows dacs.py's forward_train line by line: EMA update of the teacher at iteration ITER, source
forward/backward (mmseg's cross-entropy: mean over all pixels, ignore 255), the ImageNet feature distance (calc_feat_dist
with DAFormer's downscale_label_ratio, thing classes, min ratio 0.75; an "ImageNet" model that is a perturbed copy of
the student; λ = FD_LAMBDA, ten times DAFormer's so the term shows in the gradients), teacher forward in train mode on the target,
pseudo-labels and their confidence weight, get_class_masks + strong_transform per sample (one_mix, kornia colour jitter,
kornia Gaussian blur), mixed forward/backward with the pixel weights, then one AdamW step with DAFormer's parameter
groups. Random draws (class choices, jitter factors and order, blur sigma) are fixed here and recorded, so the Java test
repeats them. Writes dacs_iteration.safetensors and dacs_iteration.json.
"""
import copy
import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from st import load, save  # noqa: E402

ITER = 3
ALPHA = 0.999
IGNORE_TOP, IGNORE_BOTTOM = 3, 10
LR, HEAD_MULT, WD = 6e-5, 10.0, 0.01
MEAN = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
JITTER = [  # per mixed image: kornia ColorJitter parameters (factors as kornia samples them, order a permutation)
    {"brightness": 1.13, "contrast": 0.86, "saturation": 1.17, "hue": -0.12, "order": [3, 0, 2, 1]},
    {"brightness": 0.84, "contrast": 1.09, "saturation": 0.81, "hue": 0.18, "order": [1, 2, 3, 0]},
]
SIGMAS = [0.55, 1.05]
FD_LAMBDA = 0.05
FD_CLASSES = [6, 7, 11, 12, 13, 14, 15, 16, 17, 18]


def module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def smooth_image(g, h, w):
    """An RGB image in 0..255 with structure (a blurred random field), normalised as mmseg does."""
    x = torch.rand((1, 3, h // 8, w // 8), generator=g)
    x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)
    x = (x * 0.8 + 0.2 * torch.rand((1, 3, h, w), generator=g)) * 255
    return (x - MEAN) / STD


def main(daformer, kornia_src, transformers_src, out):
    sys.path[:0] = [kornia_src, transformers_src]
    sys.modules.setdefault("torch_mlu", types.ModuleType("torch_mlu"))  # some transformers forks import it
    import kornia  # noqa: F401
    from kornia.augmentation import ColorJitter
    from transformers import SegformerConfig, SegformerForSemanticSegmentation

    dacs = module(Path(daformer) / "mmseg/models/utils/dacs_transforms.py", "dacs_transforms")
    utils = module(Path(daformer) / "mmseg/utils/utils.py", "mmseg_utils")
    ref = Path(__file__).parents[1] / "reference" / "segformer_tiny"
    cfg = json.loads((ref / "config.json").read_text())
    cfg.update(drop_path_rate=0.0, classifier_dropout_prob=0.0)
    student = SegformerForSemanticSegmentation(SegformerConfig(**cfg))
    student.load_state_dict(load(ref / "weights.safetensors"), strict=True)
    g = torch.Generator().manual_seed(4533)
    teacher = copy.deepcopy(student)
    with torch.no_grad():
        for p in teacher.parameters():
            p.add_(0.02 * torch.randn(p.shape, generator=g))
    tensors = {"in.teacher." + k: v.detach().clone() for k, v in teacher.state_dict().items()}
    imnet = copy.deepcopy(student)
    with torch.no_grad():
        for p in imnet.parameters():
            p.add_(0.02 * torch.randn(p.shape, generator=g))
    tensors.update({"in.imnet." + k: v.detach().clone() for k, v in imnet.state_dict().items()})
    student.train()
    teacher.train()

    b, h, w = 2, 64, 64
    img = torch.cat([smooth_image(g, h, w) for _ in range(b)])
    target_img = torch.cat([smooth_image(g, h, w) for _ in range(b)])
    gt = torch.full((b, 1, h, w), 255, dtype=torch.int64)
    blocks = torch.randint(0, 6, (b, h // 8, w // 8), generator=g) * 3  # classes 0, 3, ..., 15 on 8x8 blocks
    gt[:, 0] = blocks.repeat_interleave(8, 1).repeat_interleave(8, 2)
    gt[0, 0, 0:32, 32:64] = 12  # thing classes over whole 32x32 blocks, so the feature distance has positions to use
    gt[1, 0, 32:64, 0:32] = 6
    gt[0, 0, 5:9, :] = 255
    gt[1, 0, :, 60:] = 255
    tensors.update({"in.source_pixels": img, "in.source_labels": gt[:, 0].clone(), "in.target_pixels": target_img})

    # 1. teacher update (dacs.py _update_ema at local_iter = ITER > 0)
    alpha = min(1 - 1 / (ITER + 1), ALPHA)
    with torch.no_grad():
        for ema_param, param in zip(teacher.parameters(), student.parameters()):
            ema_param.data[:] = alpha * ema_param[:].data[:] + (1 - alpha) * param[:].data[:]
    tensors.update({"out.teacher_after." + k: v.detach().clone() for k, v in teacher.named_parameters()})

    def seg_loss(model, x, label, weight=None):
        out = model(pixel_values=x, output_hidden_states=True)
        up = F.interpolate(out.logits, size=label.shape[-2:], mode="bilinear", align_corners=False)
        loss = F.cross_entropy(up, label, reduction="none", ignore_index=255)
        if weight is not None:
            loss = loss * weight.float()
        return loss.mean(), out.hidden_states

    # 2. source loss
    student.zero_grad()
    clean_loss, src_feat = seg_loss(student, img, gt[:, 0])
    clean_loss.backward(retain_graph=True)

    # 2b. ImageNet feature distance (dacs.py calc_feat_dist and masked_feat_dist)
    with torch.no_grad():
        imnet.eval()
        feat_imnet = [f.detach() for f in imnet(pixel_values=img, output_hidden_states=True).hidden_states]
    lay = -1
    fdclasses = torch.tensor(FD_CLASSES)
    scale_factor = gt.shape[-1] // src_feat[lay].shape[-1]
    gt_rescaled = utils.downscale_label_ratio(gt, scale_factor, 0.75, 19, 255).long().detach()
    fdist_mask = torch.any(gt_rescaled[..., None] == fdclasses, -1)
    pw_feat_dist = torch.norm(src_feat[lay] - feat_imnet[lay], dim=1, p=2)
    pw_feat_dist = pw_feat_dist[fdist_mask.squeeze(1)]
    feat_loss = FD_LAMBDA * torch.mean(pw_feat_dist)
    feat_loss.backward()
    tensors["out.loss_feat_dist"] = feat_loss.detach().reshape(1)
    tensors["out.fd_mask"] = fdist_mask.squeeze(1).to(torch.int64)

    # 3. pseudo-labels from the teacher
    with torch.no_grad():
        logits = teacher(pixel_values=target_img).logits
        ema_logits = F.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)
    ema_softmax = torch.softmax(ema_logits.detach(), dim=1)
    pseudo_prob, pseudo_label = torch.max(ema_softmax, dim=1)
    top2 = torch.topk(ema_softmax, 2, dim=1).values
    margin = float((top2[:, 0] - top2[:, 1]).min())
    assert margin > 1e-6, "a near tie in the teacher's arg-max: float rounding could flip a pseudo-label"
    # a threshold in the middle of the widest gap between the sorted top probabilities near their median, so that
    # float rounding cannot move a pixel across it
    s = torch.sort(pseudo_prob.flatten()).values
    mid = s.numel() // 2
    lo, hi = mid - s.numel() // 8, mid + s.numel() // 8
    gaps = s[lo + 1:hi] - s[lo:hi - 1]
    k = int(torch.argmax(gaps))
    threshold = float((s[lo + k] + s[lo + k + 1]) / 2)
    gap = float(gaps[k])
    ps_large_p = pseudo_prob.ge(threshold).long() == 1
    ps_size = np.size(np.array(pseudo_label.cpu()))
    pseudo_weight = torch.sum(ps_large_p).item() / ps_size
    q = pseudo_weight
    pseudo_weight = pseudo_weight * torch.ones(pseudo_prob.shape)
    pseudo_weight[:, :IGNORE_TOP, :] = 0
    pseudo_weight[:, -IGNORE_BOTTOM:, :] = 0
    gt_pixel_weight = torch.ones(pseudo_weight.shape)
    tensors.update({"out.teacher_probs": ema_softmax, "out.pseudo_label": pseudo_label.to(torch.int64),
                    "out.pseudo_weight": pseudo_weight.clone()})

    # 4. class masks: np.random.choice answers with fixed draws, recorded as class values
    classes = torch.unique(gt)
    rng = np.random.default_rng(7)
    picks = []

    def choice(n, k, replace):
        assert replace is False and n == classes.numel()
        p = rng.choice(n, k, replace=False)
        picks.append([int(classes[i]) for i in p])
        return p

    np_choice, np_uniform = np.random.choice, np.random.uniform
    np.random.choice = choice
    mix_masks = dacs.get_class_masks(gt)
    np.random.choice = np_choice

    # 5. strong_transform per sample with the recorded jitter parameters and sigmas
    jitter_queue = list(JITTER)
    sigma_queue = list(SIGMAS)

    def params(self, batch_shape):
        j = jitter_queue.pop(0)
        return {"brightness_factor": torch.tensor([j["brightness"]]), "contrast_factor": torch.tensor([j["contrast"]]),
                "saturation_factor": torch.tensor([j["saturation"]]), "hue_factor": torch.tensor([j["hue"]]),
                "order": torch.tensor(j["order"])}

    ColorJitter.generate_parameters = params

    def uniform(a, b):
        assert (a, b) == (0.15, 1.15)
        return sigma_queue.pop(0)

    np.random.uniform = uniform
    strong_parameters = {"mix": None, "color_jitter": 0.9, "color_jitter_s": 0.2, "color_jitter_p": 0.2, "blur": 0.9,
                         "mean": MEAN[0].view(3, 1, 1).unsqueeze(0) * 1.0, "std": STD[0].view(3, 1, 1).unsqueeze(0) * 1.0}
    mixed_img, mixed_lbl = [None] * b, [None] * b
    for i in range(b):
        strong_parameters["mix"] = mix_masks[i]
        mixed_img[i], mixed_lbl[i] = dacs.strong_transform(
            strong_parameters, data=torch.stack((img[i], target_img[i])),
            target=torch.stack((gt[i][0], pseudo_label[i])))
        _, pseudo_weight[i] = dacs.strong_transform(
            strong_parameters, target=torch.stack((gt_pixel_weight[i], pseudo_weight[i])))
    np.random.uniform = np_uniform
    assert not jitter_queue and not sigma_queue
    mixed_img = torch.cat(mixed_img)
    mixed_lbl = torch.cat(mixed_lbl)
    tensors.update({"out.mix_masks": torch.cat(mix_masks).to(torch.int64), "out.mixed_pixels": mixed_img,
                    "out.mixed_labels": mixed_lbl[:, 0].to(torch.int64) if mixed_lbl.dim() == 4 else mixed_lbl.to(torch.int64),
                    "out.mixed_weight": pseudo_weight.clone()})

    # 6. mixed loss, accumulated on the source gradients
    mix_loss, _ = seg_loss(student, mixed_img, tensors["out.mixed_labels"], pseudo_weight)
    mix_loss.backward()
    grads = {k: p.grad.detach().clone() for k, p in student.named_parameters()}
    tensors.update({"out.grad." + k: v for k, v in grads.items()})
    tensors["out.loss_source"] = (clean_loss + feat_loss).detach().reshape(1)
    tensors["out.loss_source_ce"] = clean_loss.detach().reshape(1)
    tensors["out.loss_mix"] = mix_loss.detach().reshape(1)
    tensors["out.grad_global_norm"] = torch.sqrt(sum((v.double() ** 2).sum() for v in grads.values())).reshape(1)

    # 7. one AdamW step (fresh state) with DAFormer's groups: head lr x10, no decay on norms
    head = [p for k, p in student.named_parameters() if k.startswith("decode_head.")]
    norms = [p for k, p in student.named_parameters() if not k.startswith("decode_head.") and "layer_norm" in k]
    rest = [p for k, p in student.named_parameters() if not k.startswith("decode_head.") and "layer_norm" not in k]
    opt = torch.optim.AdamW([{"params": rest}, {"params": norms, "weight_decay": 0.0},
                             {"params": head, "lr": LR * HEAD_MULT}], lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=WD)
    opt.step()
    tensors.update({"out.param_after." + k: p.detach().clone() for k, p in student.named_parameters()})
    tensors.update({"out.student_buffers." + k: v.clone() for k, v in student.state_dict().items() if "running" in k})
    tensors.update({"out.teacher_buffers." + k: v.clone() for k, v in teacher.state_dict().items() if "running" in k})

    info = {"iter": ITER, "alpha": ALPHA, "ema_alpha_used": alpha, "pseudo_threshold": threshold,
            "threshold_gap": gap, "top2_margin_min": margin, "q": q, "ignore_top": IGNORE_TOP,
            "ignore_bottom": IGNORE_BOTTOM, "mix_classes": picks, "jitter": JITTER, "blur_sigma": SIGMAS,
            "color_jitter_u": 0.9, "blur_u": 0.9, "lr": LR, "head_lr_multiplier": HEAD_MULT, "weight_decay": WD,
            "crop": [h, w], "batch": b, "fd_lambda": FD_LAMBDA, "fd_classes": FD_CLASSES, "fd_min_ratio": 0.75,
            "fd_positions": int(fdist_mask.sum())}
    save(tensors, Path(out) / "dacs_iteration.safetensors")
    (Path(out) / "dacs_iteration.json").write_text(json.dumps(info, indent=1) + "\n")
    print(json.dumps({k: info[k] for k in ("pseudo_threshold", "threshold_gap", "top2_margin_min", "q", "mix_classes",
                                            "fd_positions")}), "losses", float(clean_loss), float(feat_loss), float(mix_loss))


if __name__ == "__main__":
    main(*sys.argv[1:5])
