"""Metrics of the paper's tables, as streaming accumulators and one-call ``*_scores`` functions."""

from atdt.metrics.depth import DepthAccumulator, depth_scores
from atdt.metrics.normals import NormalAccumulator, normal_scores
from atdt.metrics.semantic import SemanticAccumulator, semantic_scores

__all__ = [
    "DepthAccumulator", "NormalAccumulator", "SemanticAccumulator",
    "depth_scores", "normal_scores", "semantic_scores",
]
