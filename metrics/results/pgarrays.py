"""Columns of numbers to and from PostgreSQL as binary arrays, written and read by NumPy.

psycopg converts between Python lists and arrays element by element in Python, which
for the results job's 15 columns of 27,000 values costs more than PostgreSQL spends
storing them, and leaves hundreds of thousands of Python objects behind when reading
series. Here NumPy writes and reads PostgreSQL's binary array format in one operation
per column. A statement casts each parameter (`%b::float8[]`), which tells the server
how to read it.
"""

import struct

import numpy as np
from psycopg import adapt, pq

# Element type → (its PostgreSQL type oid, its big-endian NumPy type).
ELEMENTS = {
    "bool": (16, "?"),
    "int4": (23, ">i4"),
    "int8": (20, ">i8"),
    "float8": (701, ">f8"),
}
# Array type oid → element type, for the arrays read as NumPy arrays.
ARRAYS = {1007: "int4", 1016: "int8", 1022: "float8"}


class BinaryArray(bytes):
    """A one-dimensional PostgreSQL array in binary format, ready to send as a parameter."""


class BinaryArrayDumper(adapt.Dumper):
    # oid 0: the server takes the type from the cast written in the statement.
    format = pq.Format.BINARY

    def dump(self, obj: BinaryArray) -> bytes:
        return obj


def binary_array(values, element: str, null=None) -> BinaryArray:
    """`values` as a PostgreSQL array of `element` (a key of ELEMENTS); NULL where `null`
    is true, and for float8 wherever the value is not finite (NaN marks "none" here, and
    the database refuses NaN and infinities)."""
    oid, dtype = ELEMENTS[element]
    values = np.asarray(values)
    null = np.zeros(len(values), dtype=bool) if null is None else np.asarray(null, dtype=bool)
    if element == "float8":
        null = null | ~np.isfinite(values)
    size = np.dtype(dtype).itemsize
    # Each element: its length (-1 for NULL) then its bytes; a NULL has no bytes.
    records = np.zeros(len(values), dtype=[("length", ">i4"), ("value", dtype)])
    records["length"] = np.where(null, -1, size)
    records["value"] = np.where(null, 0, values)
    body = records.view(np.uint8).reshape(len(values), 4 + size)
    if null.any():
        keep = np.ones(body.shape, dtype=bool)
        keep[null, 4:] = False
        body = body[keep]
    # Header: one dimension, whether any element is NULL, element type, length, lower bound.
    header = struct.pack(">iiiii", 1, int(null.any()), oid, len(values), 1)
    return BinaryArray(header + body.tobytes())


# Per array type read as NumPy: one element's record (its length, then its value) and the
# native type to return; built once, as a dtype costs more to make than to use.
RECORDS = {
    oid: np.dtype([("length", ">i4"), ("value", ELEMENTS[e][1])]) for oid, e in ARRAYS.items()
}
NATIVE = {oid: np.dtype(ELEMENTS[e][1]).newbyteorder("=") for oid, e in ARRAYS.items()}
HEADER = struct.Struct(">iiiii")  # ndim, has_null, element oid, length, lower bound


class NumpyArrayLoader(adapt.Loader):
    """An int4[], int8[] or float8[] without NULLs, read as a NumPy array."""

    format = pq.Format.BINARY

    def load(self, data) -> np.ndarray:
        if len(data) < HEADER.size:  # an empty array has no dimension
            return np.empty(0, dtype=NATIVE[self.oid])
        ndim, has_null, _, length, _ = HEADER.unpack_from(data)
        if ndim != 1 or has_null:
            raise ValueError("only one-dimensional arrays without NULLs are read as NumPy arrays")
        records = np.frombuffer(data, dtype=RECORDS[self.oid], count=length, offset=HEADER.size)
        return records["value"].astype(NATIVE[self.oid])


def register(cursor) -> None:
    """Let `cursor` send BinaryArray parameters and read int4[], int8[] and float8[]
    results in binary as NumPy arrays."""
    cursor.adapters.register_dumper(BinaryArray, BinaryArrayDumper)
    for oid in ARRAYS:
        cursor.adapters.register_loader(oid, NumpyArrayLoader)
