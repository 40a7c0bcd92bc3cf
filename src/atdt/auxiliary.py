"""Two training aids beyond the paper, after the authors' TPAMI 2023 follow-up ("Learning good
features to transfer across tasks and domains"); our own designs, off by default.

- An auxiliary edge task: a second decoder on E's deepest features predicts the edges of the
  input image. Both N1 and N2 learn it, so both feature spaces must keep fine detail and share
  one piece of structure, which makes E1 -> E2 easier for G to learn. Edges come from the image
  itself, so they need no annotation and exist in every domain.
- A feature-norm discrepancy loss for N1: E1's features of A and of B should have the same mean
  norm, so that G, trained on A's features only, meets B's features at the scale it knows.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

EDGE_FRACTION = 0.15  # the strongest 15% of gradients in each image count as edges

_SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
_BLUR = torch.tensor([1.0, 2.0, 1.0])


@torch.no_grad()
def image_edges(images: torch.Tensor, fraction: float = EDGE_FRACTION) -> torch.Tensor:
    """(B, 3, H, W) in [0, 1] -> (B, H, W) float {0, 1}: Sobel magnitude of the blurred grey
    image above each image's own (1 - fraction) quantile and above a tenth of its strongest
    gradient. Thresholds relative to the image keep the edge density alike across domains
    whatever their contrast or exposure; the second keeps faint noise out of a plain image."""
    grey = (0.299 * images[:, 0] + 0.587 * images[:, 1] + 0.114 * images[:, 2])[:, None].float()  # (B, 1, H, W)
    blur = (_BLUR[:, None] * _BLUR[None, :] / 16.0).to(grey)[None, None]
    grey = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), blur)  # sensor noise is not an edge
    sobel = torch.stack([_SOBEL_X, _SOBEL_X.t()])[:, None].to(grey)  # (2, 1, 3, 3)
    grad = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), sobel)  # (B, 2, H, W)
    magnitude = grad.pow(2).sum(dim=1).sqrt()  # (B, H, W)
    flat = magnitude.flatten(1)
    threshold = torch.maximum(torch.quantile(flat, 1.0 - fraction, dim=1), 0.1 * flat.amax(dim=1))  # (B,)
    return (magnitude > threshold[:, None, None]).float()


def edge_loss(raw: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """Binary cross entropy between the edge head's logits (B, 1, H, W) and the image's edges,
    positives weighted by the edge rarity so the head cannot win by predicting 'no edge'."""
    target = image_edges(images)
    weight = torch.tensor((1.0 - EDGE_FRACTION) / EDGE_FRACTION, device=raw.device)
    return F.binary_cross_entropy_with_logits(raw[:, 0].float(), target, pos_weight=weight)


def mean_feature_norm(features: torch.Tensor) -> torch.Tensor:
    """(B, C, h, w) -> (B,): the mean over positions of the features' L2 norm."""
    return features.float().norm(dim=1).flatten(1).mean(dim=1)


def norm_discrepancy(features: torch.Tensor, domain: torch.Tensor) -> torch.Tensor:
    """Squared gap between the mean feature norms of domain 0 (A) and domain 1 (B) in a batch,
    relative to their mean so the loss does not shrink by shrinking every feature."""
    norms = mean_feature_norm(features)
    a, b = norms[domain == 0], norms[domain == 1]
    if len(a) == 0 or len(b) == 0:
        return features.sum() * 0.0  # a batch with one domain has no gap to close
    ma, mb = a.mean(), b.mean()
    return ((ma - mb) / ((ma + mb).detach() / 2 + 1e-6)).pow(2)
