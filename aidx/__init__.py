"""aidx: the aid exchange."""
