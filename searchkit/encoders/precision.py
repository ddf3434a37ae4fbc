"""The number format encoders compute in: float32, or bfloat16 where the hardware has bf16 units.

bf16 weights run 2x or more faster on CPUs with AVX-512 bf16 or AMX units (and on recent GPUs); on a
CPU without them torch emulates bf16, far slower than float32, so `auto` picks bf16 only where the
units are there. Vectors are returned as float32 either way.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

Precision = Literal["auto", "fp32", "bf16"]
PRECISIONS: tuple[Precision, ...] = ("auto", "fp32", "bf16")
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo flags of native bf16 arithmetic


def resolve_precision(precision: Precision | str) -> Literal["fp32", "bf16"]:
    """`fp32` or `bf16`; `auto` is bf16 where the device computes it natively."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of: {', '.join(PRECISIONS)}")
    if precision == "auto":
        return "bf16" if bf16_native() else "fp32"
    return precision  # type: ignore[return-value]


@lru_cache(maxsize=1)
def bf16_native() -> bool:
    """Whether the device encoders run on (CUDA if present, else the CPU) has bf16 arithmetic units."""
    import torch

    if torch.cuda.is_available():
        return bool(torch.cuda.is_bf16_supported())
    return cpu_has_bf16()


def cpu_has_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:  # not Linux: no way to tell, so no bf16
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return any(flag in flags for flag in CPU_BF16_FLAGS)
