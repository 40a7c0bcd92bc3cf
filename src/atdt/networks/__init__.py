"""Networks: encoders E, decoders D, task networks N = D(E(x)) and the transfer network G; the
study variants: the No Transfer multi-task network and N1 with separate encoders."""

from atdt.networks.decoder import Decoder
from atdt.networks.encoder import ENCODERS, Encoder, build_encoder
from atdt.networks.multitask import MultiTaskNetwork, build_multitask_network
from atdt.networks.separate_encoders import SeparateEncoderNetwork, build_separate_encoder_network
from atdt.networks.task_network import TaskNetwork, build_task_network, cut_at
from atdt.networks.transfer import TransferNetwork

__all__ = [
    "ENCODERS", "Decoder", "Encoder", "MultiTaskNetwork", "SeparateEncoderNetwork", "TaskNetwork", "TransferNetwork",
    "build_encoder", "build_multitask_network", "build_separate_encoder_network", "build_task_network", "cut_at",
]
