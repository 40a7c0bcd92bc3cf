"""Pretrained encoder weights (``network.pretrained``) through the libraries' own APIs.

``imagenet`` or ``imagenet:<version>`` names published ImageNet weights: torchvision's weights enum
for the ResNets (``imagenet`` = ``IMAGENET1K_V1``, ``imagenet:V2`` = ``IMAGENET1K_V2`` where it
exists), timm's pretrained tags for ``timm:<name>`` encoders (``imagenet`` = timm's default weights of
the model, ``imagenet:<tag>`` = ``<name>.<tag>``). A file is downloaded once into its library's cache
(torchvision: ``$TORCH_HOME/hub/checkpoints``, checked against the hash in its name; timm: the
Hugging Face hub cache, ``$HF_HOME/hub``) and read from there afterwards. Offline (``HF_HUB_OFFLINE=1``,
the switch timm and the Hugging Face hub read, which atdt applies to torchvision's downloads too) a
file missing from the cache is a clear error naming it and the cache folder; nothing is tried.
Any other value is a path to a weight file on disk.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import torch
from torchvision.models import get_model_weights

IMAGENET = "imagenet"


def imagenet_version(pretrained: str | Path | None) -> tuple[bool, str | None]:
    """(whether ``pretrained`` names published ImageNet weights, the version after the colon or None)."""
    if not isinstance(pretrained, str) or not (pretrained == IMAGENET or pretrained.startswith(IMAGENET + ":")):
        return False, None
    return True, pretrained.partition(":")[2] or None


def offline() -> bool:
    """The one reading of the offline switch atdt uses: the hub's (huggingface_hub.constants), but at
    each call, where the hub's constant keeps the value the variable had when it was imported."""
    return os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE")


def weight_file_error(what: str, file, err: Exception, hint: str = "") -> Exception:
    """The clear error for a weight file that does not load, naming it: FileNotFoundError when it is
    missing, else ValueError (a truncated or foreign file, or weights of another model)."""
    if isinstance(err, FileNotFoundError):
        return FileNotFoundError(f"{what}: no weight file at {file}")
    # the type alone: torch's messages for a foreign pickle are paragraphs about weights_only
    return ValueError(f"{what}: {file} is not a readable weight file ({type(err).__name__}){hint}")


def load_weight_file(file, what: str, hint: str = "") -> dict[str, torch.Tensor]:
    """``torch.load`` of a state dict (weights only), or ``weight_file_error``."""
    try:
        return torch.load(file, map_location="cpu", weights_only=True)
    except Exception as err:  # unpickling, zip and torch's own errors: a bad file, whatever the type
        raise weight_file_error(what, file, err, hint) from None


def torchvision_weights(name: str, version: str | None):
    """The member of torchvision's weights enum of ``name`` (e.g. ResNet18_Weights.IMAGENET1K_V1)."""
    versions = {w.name.removeprefix("IMAGENET1K_"): w for w in get_model_weights(name) if w.name.startswith("IMAGENET1K_")}
    version = version or "V1"
    if version not in versions:
        raise ValueError(f"torchvision has no ImageNet weights {version!r} for {name}; choose one of: "
                         + ", ".join(f"{IMAGENET}:{v}" for v in versions))
    return versions[version]


def torchvision_state_dict(name: str, version: str | None) -> dict[str, torch.Tensor]:
    """torchvision's ImageNet weights of ``name``: from the torch hub cache, downloaded there once."""
    weights = torchvision_weights(name, version)
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    file = cache / Path(urlparse(weights.url).path).name
    what = f"network.pretrained={IMAGENET}{':' + version if version else ''} ({name} {weights.name})"
    if file.is_file():  # a truncated or foreign file under the expected name is named
        return load_weight_file(file, what, "; delete it to download it again")
    if offline():
        raise FileNotFoundError(f"{what}: {file.name} is not in the torch hub cache {cache} and downloads are off "
                                f"(HF_HUB_OFFLINE=1); download it once online or copy {weights.url} there")
    try:  # check_hash: the download must match the hash prefix in the file name
        return torch.hub.load_state_dict_from_url(weights.url, model_dir=str(cache), map_location="cpu",
                                                  check_hash=True, weights_only=True)
    except (OSError, RuntimeError) as err:  # no network (URLError is an OSError), a corrupt download
        raise FileNotFoundError(f"{what}: could not download {weights.url} into the torch hub cache {cache} "
                                f"({str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__}); "
                                f"copy the file there as {file.name}, or give a local file: "
                                "network.pretrained=/path/to/weights.pth") from None


def timm_pretrained(name: str, pretrained: str | Path | None) -> tuple[str, dict]:
    """The timm model name and ``timm.create_model`` keywords that load ``pretrained``."""
    import timm

    if pretrained is None:
        return name, {"pretrained": False}
    is_imagenet, tag = imagenet_version(pretrained)
    if not is_imagenet:  # a file on disk, read by timm's own loader (its filters adapt old layouts)
        return name, {"pretrained": True, "pretrained_cfg_overlay": {"file": str(Path(pretrained))}}
    tags = [n.partition(".")[2] for n in timm.list_pretrained(f"{name}.*")]
    if not tags:
        raise ValueError(f"timm has no pretrained weights for {name}; train it from scratch (network.pretrained "
                         "unset) or give a weight file")
    if tag is not None and tag not in tags:
        raise ValueError(f"timm has no pretrained weights {tag!r} for {name}; choose one of: "
                         + ", ".join(f"{IMAGENET}:{t}" for t in tags))
    return (f"{name}.{tag}" if tag else name), {"pretrained": True}


def timm_download_error(model_name: str, pretrained: str, err: Exception) -> FileNotFoundError:
    """The clear error for weights timm could neither find in the Hugging Face cache nor download."""
    from huggingface_hub import constants
    from timm.models import get_pretrained_cfg

    cfg = get_pretrained_cfg(model_name)
    repo = getattr(cfg, "hf_hub_id", None) or getattr(cfg, "url", None) or model_name
    folder = Path(constants.HF_HUB_CACHE) / ("models--" + str(repo).replace("/", "--"))
    why = "downloads are off (HF_HUB_OFFLINE=1)" if offline() else f"the download failed ({type(err).__name__})"
    return FileNotFoundError(f"network.pretrained={pretrained}: timm's weights of {model_name} ({repo}) are not in "
                             f"the Hugging Face hub cache (no {folder}) and {why}; download them once online, or "
                             "give a local file: network.pretrained=/path/to/weights.pth")
