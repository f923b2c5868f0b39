"""835 health care claim payment/advice (005010X221A1): models, streaming reader, balancing."""
