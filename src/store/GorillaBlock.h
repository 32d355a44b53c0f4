#pragma once

#include <QtGlobal>

#include <bit>
#include <cstdint>
#include <span>
#include <vector>

namespace poolscope {

// One sealed, immutable block of a column (BlockedColumn): up to a few hundred values packed into bits.
//
// Integers (timestamps, ok flags, latencies, and the counters and gauges most metrics really are) are packed as
// zigzag deltas or deltas of deltas in a prefix code: 1 bit for a repeat (a constant gauge, a steady tick),
// 4 bits for a change of ±2, 7 up to ±10, 12 up to ±137, more for larger ones. A double that is not an exact integer
// (NaN, ±inf, -0.0, 0.5, beyond 2^53) is written raw, 64 bits, and a run of the same raw value costs 1 bit per value (a
// run of failed polls). Doubles are also packed Gorilla-style (XOR with the previous value's bits). A block of doubles
// is encoded all three ways when it seals and keeps whichever is smallest; every way round-trips the exact bits.
//
// The header keeps what a chart needs to skip decoding (Decimation): first/last value, min/max and where
// they are, and how many NaN.
class GorillaBlock
{
public:
    enum class Codec : std::uint8_t { DeltaOfDelta, Delta, Xor };

    static GorillaBlock encode(std::span<const qint64> values);
    static GorillaBlock encode(std::span<const double> values);

    // Replaces `out` with the block's values.
    void decode(std::vector<qint64>& out) const;
    void decode(std::vector<double>& out) const;

    std::size_t count() const { return m_count; }
    Codec codec() const { return m_codec; }
    std::size_t packedBytes() const { return m_bits.size(); }
    std::span<const std::uint8_t> bits() const { return m_bits; }
    // Heap bytes held besides the object itself.
    std::size_t heapBytes() const { return m_bits.capacity(); }

    // Header of a block of doubles (min/max ignore NaN; with no number in the block they are NaN and the
    // indexes 0). The first minimum and the first maximum, as Decimation's buckets keep them.
    double min() const { return m_min; }
    double max() const { return m_max; }
    std::size_t minIndex() const { return m_minIndex; }
    std::size_t maxIndex() const { return m_maxIndex; }
    std::size_t nanCount() const { return m_nanCount; }
    double first() const { return std::bit_cast<double>(m_firstInt); }
    double last() const { return std::bit_cast<double>(m_lastInt); }
    // Header of a block of integers.
    qint64 firstInt() const { return m_firstInt; }
    qint64 lastInt() const { return m_lastInt; }

private:
    std::vector<std::uint8_t> m_bits;
    double m_min = 0;
    double m_max = 0;
    qint64 m_firstInt = 0; // (the bits of the first double in a block of doubles)
    qint64 m_lastInt = 0;
    std::uint16_t m_count = 0;
    std::uint16_t m_minIndex = 0;
    std::uint16_t m_maxIndex = 0;
    std::uint16_t m_nanCount = 0;
    Codec m_codec = Codec::DeltaOfDelta;
};

} // namespace poolscope
