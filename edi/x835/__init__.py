"""835 health care claim payment/advice (005010X221A1): models, streaming reader, balancing."""

from edi.x835.models import ClaimPayment, Remittance, TransactionEnd, TransactionStart
from edi.x835.reader import Event, read_835, stream_835

__all__ = [
    "ClaimPayment",
    "Event",
    "Remittance",
    "TransactionEnd",
    "TransactionStart",
    "read_835",
    "stream_835",
]
