"""Ready-made type instances users put in ``Annotated[...]`` (``types.UInt32``)."""

from __future__ import annotations

from clickorm.types.logical import Enum, Float, Integer

__all__ = [
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "Int128",
    "Int256",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "UInt128",
    "UInt256",
    "Float32",
    "Float64",
    "Enum8",
    "Enum16",
]

Int8 = Integer(8)
Int16 = Integer(16)
Int32 = Integer(32)
Int64 = Integer(64)
Int128 = Integer(128)
Int256 = Integer(256)
UInt8 = Integer(8, signed=False)
UInt16 = Integer(16, signed=False)
UInt32 = Integer(32, signed=False)
UInt64 = Integer(64, signed=False)
UInt128 = Integer(128, signed=False)
UInt256 = Integer(256, signed=False)

Float32 = Float(32)
Float64 = Float(64)

#: open markers: the enum class comes from the annotation (``Annotated[Color, Enum8]``)
Enum8 = Enum(bits=8)
Enum16 = Enum(bits=16)
