#pragma once

#include "BitReader.h"
#include "BitWriter.h"

#include <QtGlobal>

#include <cstdint>
#include <span>
#include <vector>

namespace poolscope::bitcodes {

// The bit-level codes the compact history's blocks share (GorillaBlock, RouteBlock).

inline std::uint64_t zigzag(std::uint64_t v)
{
    return (v << 1) ^ static_cast<std::uint64_t>(static_cast<std::int64_t>(v) >> 63);
}
inline std::uint64_t unzigzag(std::uint64_t z)
{
    return (z >> 1) ^ (~(z & 1U) + 1U);
}

// An exact integer a double can hold (|v| <= 2^53), other than -0.0.
bool asInteger(double v, std::int64_t* out);

// The prefix code of a zigzagged difference z (0 is "no change", 1 and 2 are -1 and +1, ...):
//   0 (z = 0) | 10 + 2 bits (z = 1..4) | 110 + 4 bits (z = 5..20) | 1110 + 8 bits (z = 21..275; 255: z = 0 after a
//   raw value) | 11110 + 32 bits | 111110 + 64 bits, and 111111 + 64 bits for a raw double.
// The short buckets fit the jitter of counters read once a second.
void writeZ(BitWriter& w, std::uint64_t z);
// The length in bits of writeZ(z).
int lengthZ(std::uint64_t z);
// A code that does not start with 0 (after a raw value, "0" means "the same raw value again").
void writeNonRepeatZ(BitWriter& w, std::uint64_t z);
// A double's bits, as the code's seventh bucket.
void writeRaw(BitWriter& w, std::uint64_t bits);
constexpr int kRawLength = 6 + 64;

// Reads the rest of a code whose leading 1 was read: returns true and the difference, or false and raw bits.
bool readNonZero(BitReader& r, std::uint64_t* out);
// Reads a code: true and the difference, or false and raw bits.
bool readZ(BitReader& r, std::uint64_t* out);

// Gorilla's XOR coding of doubles (the first value raw, then the XOR with the previous value's bits).
void writeXor(BitWriter& w, std::span<const double> values);
void readXor(BitReader& r, std::size_t count, std::vector<double>& out);

// The number of bits needed to write v (0 for 0).
inline int bitWidth(std::uint64_t v)
{
    int n = 0;
    while (v != 0)
        ++n, v >>= 1;
    return n;
}

} // namespace poolscope::bitcodes
