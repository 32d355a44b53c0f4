#include "GorillaBlock.h"

#include "BitReader.h"
#include "BitWriter.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace poolscope {

namespace {

std::uint64_t zigzag(std::uint64_t v)
{
    return (v << 1) ^ static_cast<std::uint64_t>(static_cast<std::int64_t>(v) >> 63);
}
std::uint64_t unzigzag(std::uint64_t z)
{
    return (z >> 1) ^ (~(z & 1U) + 1U);
}

// The prefix code of a zigzagged difference: 0 | 10+3 | 110+7 | 1110+16 | 11110+32 | 11111 0+64.
// "11111 1" + 64 bits is a raw double.
void writeZ(BitWriter& w, std::uint64_t z)
{
    if (z == 0) {
        w.write(0, 1);
    } else if (z < (1U << 3)) {
        w.write(0b10, 2), w.write(z, 3);
    } else if (z < (1U << 7)) {
        w.write(0b110, 3), w.write(z, 7);
    } else if (z < (1U << 16)) {
        w.write(0b1110, 4), w.write(z, 16);
    } else if (z < (std::uint64_t(1) << 32)) {
        w.write(0b11110, 5), w.write(z, 32);
    } else {
        w.write(0b111110, 6), w.write(z, 64);
    }
}
// A nonzero prefix code (after a raw value, "0" means "the same raw value again").
void writeNonRepeatZ(BitWriter& w, std::uint64_t z)
{
    if (z == 0)
        w.write(0b10, 2), w.write(0, 3);
    else
        writeZ(w, z);
}
void writeRaw(BitWriter& w, std::uint64_t bits)
{
    w.write(0b111111, 6), w.write(bits, 64);
}

// Reads one code: returns true and the difference, or false and the raw bits.
bool readZ(BitReader& r, std::uint64_t* out)
{
    if (!r.bit())
        return *out = 0, true;
    if (!r.bit())
        return *out = r.read(3), true;
    if (!r.bit())
        return *out = r.read(7), true;
    if (!r.bit())
        return *out = r.read(16), true;
    if (!r.bit())
        return *out = r.read(32), true;
    const bool raw = r.bit();
    *out = r.read(64);
    return !raw;
}

std::uint64_t bitsOf(double v)
{
    return std::bit_cast<std::uint64_t>(v);
}
double fromBits(std::uint64_t b)
{
    return std::bit_cast<double>(b);
}

// An exact integer a double can hold, other than -0.0.
bool asInteger(double v, std::int64_t* out)
{
    constexpr double kLimit = 9007199254740992.0; // 2^53
    if (!(std::fabs(v) <= kLimit) || v != std::trunc(v) || (v == 0 && std::signbit(v)))
        return false;
    *out = static_cast<std::int64_t>(v);
    return true;
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
        // After a raw value the leading 0 of a repeat was consumed above; otherwise readZ reads it.
        std::uint64_t z = 0;
        bool isInt = true;
        if (m_lastRaw) {
            // The first bit (1) is consumed: continue the prefix code from its second bit.
            if (!m_r.bit())
                z = m_r.read(3);
            else if (!m_r.bit())
                z = m_r.read(7);
            else if (!m_r.bit())
                z = m_r.read(16);
            else if (!m_r.bit())
                z = m_r.read(32);
            else {
                isInt = !m_r.bit();
                z = m_r.read(64);
            }
        } else {
            isInt = readZ(m_r, &z);
        }
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
    std::uint64_t prev = 0;
    int prevLead = -1, prevTrail = 0;
    bool first = true;
    for (const double value : values) {
        const std::uint64_t bits = bitsOf(value);
        if (first) {
            w.write(bits, 64);
            prev = bits, first = false;
            continue;
        }
        const std::uint64_t x = bits ^ prev;
        prev = bits;
        if (x == 0) {
            w.write(0, 1);
            continue;
        }
        const int lead = std::min(std::countl_zero(x), 31);
        const int trail = std::countr_zero(x);
        if (prevLead >= 0 && lead >= prevLead && trail >= prevTrail) {
            w.write(0b10, 2);
            w.write(x >> prevTrail, 64 - prevLead - prevTrail);
        } else {
            const int len = 64 - lead - trail;
            w.write(0b11, 2), w.write(static_cast<std::uint64_t>(lead), 5);
            w.write(static_cast<std::uint64_t>(len - 1), 6), w.write(x >> trail, len);
            prevLead = lead, prevTrail = trail;
        }
    }
    return w.take();
}

void decodeXor(std::span<const std::uint8_t> bytes, std::size_t count, std::vector<double>& out)
{
    BitReader r(bytes);
    std::uint64_t prev = 0;
    int prevLead = 0, prevTrail = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (i == 0) {
            prev = r.read(64);
        } else if (r.bit()) {
            if (!r.bit()) {
                prev ^= r.read(64 - prevLead - prevTrail) << prevTrail;
            } else {
                prevLead = static_cast<int>(r.read(5));
                const int len = static_cast<int>(r.read(6)) + 1;
                prevTrail = 64 - prevLead - len;
                prev ^= r.read(len) << prevTrail;
            }
        }
        out.push_back(fromBits(prev));
    }
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
        decodeXor(m_bits, m_count, out);
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
