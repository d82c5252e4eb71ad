"""Damaged copies of an HDF5 file, each reproducible from its name alone.

Every mutation is a pure function of the file's bytes, its raw-data layout
and a seed derived from the mutation's name, so a failing case can be made
again with `python Tests/faults/mutations.py <valid file> <kind> <mutation> <copy>`.
"""
from __future__ import annotations

import random
import re
import struct
import sys
import zlib
from pathlib import Path

import h5py

# The superblock (version 0, as libhdf5 writes by default): the signature
# (8 bytes), versions and sizes, then base, free-space, end-of-file and driver
# addresses at 24, 32, 40, 48, then the root group's symbol table entry.
SIGNATURE = b"\x89HDF\r\n\x1a\n"
SUPERBLOCK_END = 96
EOF_ADDRESS = 40

# The dataset whose stored dimensions are altered, per kind of artifact.
SIZE_TARGETS = {
    "truth": "inputs/test",
    "network": "network/W1",
    "features": "features/train",  # the default features file stores no test rows
    "svm": "weights",
    "eval": "errors/train_error",
    "trained": "network/W1",
}

MUTATIONS = (
    [f"flip-any-{i}" for i in range(3)]           # 1–8 bit flips anywhere
    + [f"flip-meta-{i}" for i in range(4)]        # 1–8 bit flips outside the datasets' raw data
    + ["truncate-0", "truncate-7", "truncate-512", "truncate-half", "truncate-last-byte"]
    + ["superblock-zeroed", "superblock-garbage"]  # bytes 8–96 (the signature kept)
    + ["size-plus-one", "size-huge", "size-zero"]  # the first stored dimension of SIZE_TARGETS[kind] (and its maximum)
    + ["eof-address-half"]                         # the superblock's end-of-file address
    + ["heap-object-size", "heap-free-space-size"]  # sizes in the global heap (variable-length strings)
    + ["heap-free-list-cycle"]                     # the root group's local heap (link names): a free list in a cycle
)


def global_heap_objects(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, index, size) of each object of the first global heap collection
    ("GCOL": signature, version, 3 reserved, collection size; then objects:
    index (2), reference count (2), reserved (4), size (8), data padded to 8;
    index 0 is the collection's free space)."""
    start = data.find(b"GCOL")
    if start < 0:
        raise LookupError("no global heap collection")
    end = start + struct.unpack_from("<Q", data, start + 8)[0]
    objects, offset = [], start + 16
    while offset + 16 <= end:
        index = struct.unpack_from("<H", data, offset)[0]
        size = struct.unpack_from("<Q", data, offset + 8)[0]
        objects.append((offset, index, size))
        if index == 0:
            break
        offset += 16 + (size + 7) // 8 * 8
    return objects


def local_heap_free_list(data: bytes) -> tuple[int, int]:
    """(data segment address, offset of its first free block) of the first local heap
    ("HEAP": signature, version, 3 reserved, data segment size, offset of the free
    list's head (1: none), data segment address; a free block: offset of the next
    (1: none), size)."""
    start = data.find(b"HEAP")
    if start < 0:
        raise LookupError("no local heap")
    head, address = struct.unpack_from("<QQ", data, start + 16)
    if head == 1:
        raise LookupError("the local heap has no free block")
    return address, head


def seed_of(kind: str, mutation: str) -> int:
    return zlib.crc32(f"{kind}/{mutation}".encode())


def raw_data_ranges(path: Path) -> list[tuple[int, int]]:
    """Byte ranges holding the datasets' elements (contiguous storage)."""
    ranges = []
    with h5py.File(path, "r") as f:
        def visit(_, obj):
            if isinstance(obj, h5py.Dataset):
                offset, size = obj.id.get_offset(), obj.id.get_storage_size()
                if offset is not None and size:
                    ranges.append((offset, offset + size))
        f.visititems(visit)
    return sorted(ranges)


def metadata_offsets(length: int, raw: list[tuple[int, int]]) -> list[int]:
    inside = bytearray(length)
    for start, end in raw:
        inside[start:min(end, length)] = b"\1" * (min(end, length) - start)
    return [i for i in range(length) if not inside[i]]


def dataspace_offsets(data: bytes, path: Path, target: str) -> list[int]:
    """Where the first stored dimension of `target` is in its dataspace
    message, and its first maximum dimension when the message has them."""
    with h5py.File(path, "r") as f:
        shape = f[target].shape
        header = h5py.h5o.get_info(f[target].id).addr  # the dataset's object header
    dims = struct.pack(f"<{len(shape)}Q", *shape)
    # Version 1: version, rank, flags, reserved (5 bytes), dimensions.
    v1 = re.compile(re.escape(bytes([1, len(shape)])) + b"[\x00\x01]\x00{5}" + re.escape(dims), re.S)
    # Version 2: version, rank, flags, type (1: simple), dimensions.
    v2 = re.compile(re.escape(bytes([2, len(shape)])) + b"[\x00\x01]\x01" + re.escape(dims), re.S)
    for pattern, start in ((v1, 8), (v2, 4)):
        match = pattern.search(data, header)
        if match:
            offset = match.start() + start
            has_maximum = data[match.start() + 2] & 1
            return [offset] + ([offset + 8 * len(shape)] if has_maximum else [])
    raise LookupError(f"no dataspace message with dimensions {shape} for {target} in {path}")


def mutate(source: Path, kind: str, mutation: str) -> bytes:
    data = bytearray(source.read_bytes())
    rng = random.Random(seed_of(kind, mutation))
    n = len(data)
    if mutation.startswith("flip-"):
        positions = range(n) if mutation.startswith("flip-any") else metadata_offsets(n, raw_data_ranges(source))
        for _ in range(rng.randint(1, 8)):
            position = rng.choice(positions)
            data[position] ^= 1 << rng.randrange(8)
        return bytes(data)
    if mutation.startswith("truncate-"):
        keep = {"truncate-0": 0, "truncate-7": 7, "truncate-512": 512, "truncate-half": n // 2,
                "truncate-last-byte": n - 1}[mutation]
        return bytes(data[:keep])
    if mutation == "superblock-zeroed":
        data[8:SUPERBLOCK_END] = bytes(SUPERBLOCK_END - 8)
        return bytes(data)
    if mutation == "superblock-garbage":
        data[8:SUPERBLOCK_END] = bytes(rng.randrange(256) for _ in range(SUPERBLOCK_END - 8))
        return bytes(data)
    if mutation.startswith("size-"):
        offsets = dataspace_offsets(bytes(data), source, SIZE_TARGETS[kind])
        first = struct.unpack_from("<Q", data, offsets[0])[0]
        value = {"size-plus-one": first + 1, "size-huge": 1 << 40, "size-zero": 0}[mutation]
        for offset in offsets:  # the extent and its maximum alike, so the header stays consistent
            struct.pack_into("<Q", data, offset, value)
        return bytes(data)
    if mutation == "heap-object-size":
        # Object 1 (the first string written: the `artifact` attribute) claims 2 GiB.
        offset = next(o for o, index, _ in global_heap_objects(bytes(data)) if index == 1)
        struct.pack_into("<Q", data, offset + 8, 0x7FFFFFFF)
        return bytes(data)
    if mutation == "heap-free-space-size":
        # The free-space object ends 128 bytes before the collection does.
        offset, _, size = next(o for o in global_heap_objects(bytes(data)) if o[1] == 0)
        struct.pack_into("<Q", data, offset + 8, max(0, size - 128))
        return bytes(data)
    if mutation == "heap-free-list-cycle":
        # The first free block's successor is itself: libhdf5 1.10.8 follows the list for ever, allocating.
        address, head = local_heap_free_list(bytes(data))
        struct.pack_into("<Q", data, address + head, head)
        return bytes(data)
    if mutation == "eof-address-half":
        assert data[:8] == SIGNATURE and data[8] == 0, "superblock version 0 expected"
        struct.pack_into("<Q", data, EOF_ADDRESS, n // 2)
        return bytes(data)
    raise ValueError(mutation)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(f"usage: {sys.argv[0]} <valid artifact> <kind: {', '.join(SIZE_TARGETS)}> "
                 f"<mutation: {', '.join(MUTATIONS)}> <damaged copy>")
    Path(sys.argv[4]).write_bytes(mutate(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
