"""Networks: encoders E, decoders D, task networks N = D(E(x)) and the transfer network G."""

from atdt.networks.decoder import Decoder
from atdt.networks.encoder import ENCODERS, Encoder, build_encoder
from atdt.networks.task_network import TaskNetwork, build_task_network
from atdt.networks.transfer import TransferNetwork

__all__ = ["ENCODERS", "Decoder", "Encoder", "TaskNetwork", "TransferNetwork", "build_encoder", "build_task_network"]
