"""Pixel-level domain adaptation for AT/DT + CycleGAN (paper Sec. 5.3, supp. Sec. 1.4): CycleGAN
trained between A and B (train), B's splits translated to look like A (write), and what the
translation did (report). ``run_translation`` is `atdt translate`."""

from atdt.translation.pipeline import run_translation
from atdt.translation.report import contact_sheet, distance_report
from atdt.translation.train import load_cyclegan, train_cyclegan
from atdt.translation.write import write_b_like_a

__all__ = ["contact_sheet", "distance_report", "load_cyclegan", "run_translation", "train_cyclegan", "write_b_like_a"]
