"""The spool: where every Tally client writes first (``docs/spool-format.md``)."""
from .codec import decode_records, encode_event, encode_header, encode_points, has_magic
from .format import KIND_EVENT, KIND_POINTS, MAGIC, PointsBatch, SpoolRecord, counts_as_step
from .reader import iter_spool_file, read_run_index, read_spool_events, read_spool_file, scan_run_spool, spool_files
from .writer import SpoolWriter, spool_dir, write_run_index

__all__ = [
    "KIND_EVENT",
    "KIND_POINTS",
    "MAGIC",
    "PointsBatch",
    "SpoolRecord",
    "SpoolWriter",
    "counts_as_step",
    "decode_records",
    "encode_event",
    "encode_header",
    "encode_points",
    "has_magic",
    "iter_spool_file",
    "read_run_index",
    "read_spool_events",
    "read_spool_file",
    "scan_run_spool",
    "spool_dir",
    "spool_files",
    "write_run_index",
]
