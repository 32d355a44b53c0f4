#include "GorillaBlock.h"

#include "BitCodes.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace poolscope {

namespace {

using namespace bitcodes;

std::uint64_t bitsOf(double v)
{
    return std::bit_cast<std::uint64_t>(v);
}
double fromBits(std::uint64_t b)
{
    return std::bit_cast<double>(b);
}

// Integers by differences of the given order (1: deltas, 2: deltas of deltas); doubles that are not integers raw.
class IntEncoder
{
public:
    explicit IntEncoder(int order)
        : m_order(order)
    { }
    void add(std::uint64_t v)
    {
        const std::uint64_t delta = v - m_prev;
        const std::uint64_t z = zigzag(m_order == 1 ? delta : delta - m_prevDelta);
        if (m_lastRaw)
            writeNonRepeatZ(m_w, z);
        else
            writeZ(m_w, z);
        m_prev = v, m_prevDelta = delta, m_lastRaw = false;
    }
    void addDouble(double v)
    {
        std::int64_t i = 0;
        if (asInteger(v, &i)) {
            add(static_cast<std::uint64_t>(i));
            return;
        }
        const std::uint64_t bits = bitsOf(v);
        if (m_lastRaw && bits == m_raw) {
            m_w.write(0, 1);
            return;
        }
        writeRaw(m_w, bits);
        m_raw = bits, m_lastRaw = true;
    }
    BitWriter& writer() { return m_w; }

private:
    BitWriter m_w;
    int m_order;
    std::uint64_t m_prev = 0;
    std::uint64_t m_prevDelta = 0;
    std::uint64_t m_raw = 0;
    bool m_lastRaw = false;
};

class IntDecoder
{
public:
    IntDecoder(std::span<const std::uint8_t> bytes, int order)
        : m_r(bytes)
        , m_order(order)
    { }
    // Returns true and an integer, or false and a raw double's bits.
    bool next(std::uint64_t* out)
    {
        if (m_lastRaw) {
            if (!m_r.bit())
                return *out = m_raw, false;
        }
        // After a raw value the leading bit was read above (a 1: not a repeat).
        std::uint64_t z = 0;
        const bool isInt = m_lastRaw ? readNonZero(m_r, &z) : readZ(m_r, &z);
        if (!isInt) {
            m_raw = z, m_lastRaw = true;
            return *out = z, false;
        }
        const std::uint64_t d = unzigzag(z);
        const std::uint64_t delta = m_order == 1 ? d : d + m_prevDelta;
        m_prev += delta, m_prevDelta = delta, m_lastRaw = false;
        return *out = m_prev, true;
    }

private:
    BitReader m_r;
    int m_order;
    std::uint64_t m_prev = 0;
    std::uint64_t m_prevDelta = 0;
    std::uint64_t m_raw = 0;
    bool m_lastRaw = false;
};

std::vector<std::uint8_t> encodeXor(std::span<const double> values)
{
    BitWriter w;
    writeXor(w, values);
    return w.take();
}

} // namespace

GorillaBlock GorillaBlock::encode(std::span<const qint64> values)
{
    GorillaBlock block;
    block.m_count = static_cast<std::uint16_t>(values.size());
    if (!values.empty())
        block.m_firstInt = values.front(), block.m_lastInt = values.back();
    std::vector<std::uint8_t> best;
    for (const int order : { 2, 1 }) {
        IntEncoder e(order);
        for (const qint64 v : values)
            e.add(static_cast<std::uint64_t>(v));
        auto bytes = e.writer().take();
        if (order == 2 || bytes.size() < best.size()) {
            best = std::move(bytes);
            block.m_codec = order == 2 ? Codec::DeltaOfDelta : Codec::Delta;
        }
    }
    block.m_bits = std::move(best);
    return block;
}

GorillaBlock GorillaBlock::encode(std::span<const double> values)
{
    GorillaBlock block;
    block.m_count = static_cast<std::uint16_t>(values.size());
    block.m_min = block.m_max = std::numeric_limits<double>::quiet_NaN();
    if (!values.empty()) {
        block.m_firstInt = std::bit_cast<qint64>(values.front());
        block.m_lastInt = std::bit_cast<qint64>(values.back());
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        if (std::isnan(v)) {
            ++block.m_nanCount;
            continue;
        }
        if (std::isnan(block.m_min) || v < block.m_min)
            block.m_min = v, block.m_minIndex = static_cast<std::uint16_t>(i);
        if (std::isnan(block.m_max) || v > block.m_max)
            block.m_max = v, block.m_maxIndex = static_cast<std::uint16_t>(i);
    }
    std::vector<std::uint8_t> best;
    for (const int order : { 2, 1 }) {
        IntEncoder e(order);
        for (const double v : values)
            e.addDouble(v);
        auto bytes = e.writer().take();
        if (order == 2 || bytes.size() < best.size()) {
            best = std::move(bytes);
            block.m_codec = order == 2 ? Codec::DeltaOfDelta : Codec::Delta;
        }
    }
    auto xored = encodeXor(values);
    if (xored.size() < best.size()) {
        best = std::move(xored);
        block.m_codec = Codec::Xor;
    }
    block.m_bits = std::move(best);
    return block;
}

void GorillaBlock::decode(std::vector<qint64>& out) const
{
    out.clear();
    out.reserve(m_count);
    IntDecoder d(m_bits, m_codec == Codec::Delta ? 1 : 2);
    for (std::size_t i = 0; i < m_count; ++i) {
        std::uint64_t v = 0;
        d.next(&v);
        out.push_back(static_cast<qint64>(v));
    }
}

void GorillaBlock::decode(std::vector<double>& out) const
{
    out.clear();
    out.reserve(m_count);
    if (m_codec == Codec::Xor) {
        BitReader r(m_bits);
        readXor(r, m_count, out);
        return;
    }
    IntDecoder d(m_bits, m_codec == Codec::Delta ? 1 : 2);
    for (std::size_t i = 0; i < m_count; ++i) {
        std::uint64_t v = 0;
        if (d.next(&v))
            out.push_back(static_cast<double>(static_cast<std::int64_t>(v)));
        else
            out.push_back(fromBits(v));
    }
}

} // namespace poolscope
