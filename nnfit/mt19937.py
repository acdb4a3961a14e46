"""torch's CPU random normals, reproduced for many seeds at once.

torch.manual_seed(s) seeds a Mersenne Twister (MT19937) with the low 32 bits of s. Each scalar
`torch.randn(1)` takes one double from at::normal_distribution: two 53-bit uniforms u1, u2 (each made
of two 32-bit draws), r = sqrt(-2 log(1 - u2)), theta = 2 pi u1; it returns r cos(theta) and keeps
r sin(theta) for the next call. The twister's state is regenerated word by word, only as far as the
draws go, so a few dozen normals cost about 1,000 integer operations per seed.
"""
import math

import numba
import numpy as np

N, M_OFF = 624, 397
SERIAL = 64  # up to this many seeds, one thread


@numba.njit(cache=True, inline="always")
def _normals_of(seed, count, out):
    """out[:count] = the first `count` torch.randn(1) values after torch.manual_seed(seed)."""
    words = 4 * ((count + 1) // 2)  # 32-bit draws needed: 4 per pair of normals
    mt = np.empty(N, dtype=np.uint32)
    mt[0] = np.uint32(seed & np.uint64(0xFFFFFFFF))
    for i in range(1, N):
        prev = mt[i - 1]
        mt[i] = np.uint32(1812433253) * (prev ^ (prev >> np.uint32(30))) + np.uint32(i)
    draws = np.empty(words, dtype=np.uint32)
    for t in range(words):  # the twist, word by word and only as far as needed, in place as MT19937 does
        i = t % N
        y = (mt[i] & np.uint32(0x80000000)) | (mt[(i + 1) % N] & np.uint32(0x7FFFFFFF))
        v = mt[(i + M_OFF) % N] ^ (y >> np.uint32(1))
        if y & np.uint32(1):
            v ^= np.uint32(0x9908B0DF)
        mt[i] = v
        v ^= v >> np.uint32(11)  # tempering
        v ^= (v << np.uint32(7)) & np.uint32(0x9D2C5680)
        v ^= (v << np.uint32(15)) & np.uint32(0xEFC60000)
        v ^= v >> np.uint32(18)
        draws[t] = v
    for j in range(0, count, 2):
        q = 2 * j
        u1 = _uniform53(draws[q], draws[q + 1])
        u2 = _uniform53(draws[q + 2], draws[q + 3])
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        out[j] = r * math.cos(theta)
        if j + 1 < count:
            out[j + 1] = r * math.sin(theta)


@numba.njit(cache=True, parallel=True)
def _normals(seeds, count, out):
    for k in numba.prange(seeds.shape[0]):
        _normals_of(seeds[k], count, out[k])


@numba.njit(cache=True)
def _normals_serial(seeds, count, out):  # a few seeds: no parallel region (its threads cost more)
    for k in range(seeds.shape[0]):
        _normals_of(seeds[k], count, out[k])


@numba.njit(cache=True)
def _uniform53(hi, lo):
    bits = ((np.uint64(hi) << np.uint64(32)) | np.uint64(lo)) & np.uint64((1 << 53) - 1)
    return float(bits) * (1.0 / 9007199254740992.0)


def torch_normals(seeds, count):
    """The first `count` torch.randn(1) values after torch.manual_seed(s), for each s: (len(seeds), count)."""
    out = np.empty((len(seeds), count), dtype=np.float64)
    (_normals_serial if len(seeds) <= SERIAL else _normals)(np.asarray(seeds, dtype=np.uint64), count, out)
    return out
